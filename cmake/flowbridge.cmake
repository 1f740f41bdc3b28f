# Helpers shared by every CMakeLists.txt of the tree.

# flowbridge_test(NAME SOURCES... LIBS... LABELS...)
#   One GoogleTest executable; every TEST becomes its own ctest entry carrying LABELS
#   (unit, integration, fuzz, slow, tsan).
function(flowbridge_test name)
    cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
    add_executable(${name} ${T_SOURCES})
    target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main Threads::Threads)
    # gtest_discover_tests() flattens a list given in PROPERTIES ("unit;tsan" becomes LABELS unit),
    # so the labels are applied by a file ctest includes after the discovered tests are defined.
    gtest_discover_tests(${name} TEST_LIST ${name}_TESTS DISCOVERY_TIMEOUT 60)
    set(labels_file ${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake)
    file(WRITE ${labels_file}
         "if(${name}_TESTS)\n  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS \"${T_LABELS}\")\nendif()\n")
    set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${labels_file})
    # The ThreadSanitizer tree builds only what its tests need (target `tsan_tests`).
    if("tsan" IN_LIST T_LABELS)
        set_property(GLOBAL APPEND PROPERTY FLOWBRIDGE_TSAN_TESTS ${name})
    endif()
endfunction()

# flowbridge_fuzzer(NAME SOURCE CORPUS_DIR LIBS...)
#   With FLOWBRIDGE_FUZZ (clang): a libFuzzer binary NAME.
#   Always: NAME_replay, which feeds every file of CORPUS_DIR to the same entry point, registered
#   as a ctest test labelled 'fuzz' so the seed corpus runs with the ordinary suite.
function(flowbridge_fuzzer name source corpus)
    cmake_parse_arguments(F "" "" "LIBS" ${ARGN})
    add_executable(${name}_replay ${source} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cc)
    target_link_libraries(${name}_replay PRIVATE ${F_LIBS})
    add_test(NAME ${name}_corpus_replays_cleanly
             COMMAND ${name}_replay ${corpus})
    set_tests_properties(${name}_corpus_replays_cleanly PROPERTIES LABELS "fuzz;unit")
    if(FLOWBRIDGE_FUZZ)
        add_executable(${name} ${source})
        target_link_libraries(${name} PRIVATE ${F_LIBS})
        target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    endif()
endfunction()
