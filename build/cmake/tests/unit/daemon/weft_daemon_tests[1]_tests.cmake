add_test([=[UapiLayout.DirentSizeIsEightByteAligned]=]  /work/main/build/cmake/tests/unit/daemon/weft_daemon_tests [==[--gtest_filter=UapiLayout.DirentSizeIsEightByteAligned]==] --gtest_also_run_disabled_tests)
set_tests_properties([=[UapiLayout.DirentSizeIsEightByteAligned]=]  PROPERTIES WORKING_DIRECTORY /work/main/build/cmake/tests/unit/daemon SKIP_REGULAR_EXPRESSION [==[\[  SKIPPED \]]==])
set(  weft_daemon_tests_TESTS UapiLayout.DirentSizeIsEightByteAligned)
