# Empty dependencies file for weft_unit_tests.
# This may be replaced when dependencies are built.
