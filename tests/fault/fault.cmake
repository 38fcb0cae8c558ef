# Fault injection (tests/fault/): a study killed with SIGKILL at 20 random
# moments and resumed; two processes sharing one store's grid; a store on a
# full disk (RLIMIT_FSIZE). Each runs the powertrain binary. The kill and
# full-disk tests check process-level durability (the same store and training
# code runs under the sanitizers in test_store and test_train), so they run in
# the Release build only; the sharing test runs in both.
set(pt_fault_tests share)
if(NOT PT_SANITIZE)
  list(APPEND pt_fault_tests kill9)
  add_test(NAME fault_full_disk COMMAND ${CMAKE_CURRENT_LIST_DIR}/full_disk.sh $<TARGET_FILE:powertrain>)
  set_tests_properties(fault_full_disk PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)
endif()
foreach(t ${pt_fault_tests})
  add_executable(test_${t} ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c)
  target_include_directories(test_${t} PRIVATE ${PROJECT_SOURCE_DIR}/tests ${PT_SQLITE_INCLUDE})
  target_link_libraries(test_${t} PRIVATE ${PT_SQLITE_LIB} m)
  add_test(NAME fault_${t} COMMAND test_${t} $<TARGET_FILE:powertrain>)
  set_tests_properties(fault_${t} PROPERTIES TIMEOUT 900)
endforeach()
