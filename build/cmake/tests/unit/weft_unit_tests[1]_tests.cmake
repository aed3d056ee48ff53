add_test([=[UapiLayout.DirentSizeIsEightByteAligned]=]  /work/main/build/cmake/tests/unit/weft_unit_tests [==[--gtest_filter=UapiLayout.DirentSizeIsEightByteAligned]==] --gtest_also_run_disabled_tests)
set_tests_properties([=[UapiLayout.DirentSizeIsEightByteAligned]=]  PROPERTIES WORKING_DIRECTORY /work/main/build/cmake/tests/unit SKIP_REGULAR_EXPRESSION [==[\[  SKIPPED \]]==])
set(  weft_unit_tests_TESTS UapiLayout.DirentSizeIsEightByteAligned)
