# Fault injection (tests/fault/): a study killed with SIGKILL at 20 random
# moments and resumed; two processes sharing one store's grid; a store on a
# full disk (RLIMIT_FSIZE). Each runs the powertrain binary.
foreach(t kill9 share)
  add_executable(test_${t} ${CMAKE_CURRENT_LIST_DIR}/test_${t}.c)
  target_include_directories(test_${t} PRIVATE ${PROJECT_SOURCE_DIR}/tests ${PT_SQLITE_INCLUDE})
  target_link_libraries(test_${t} PRIVATE ${PT_SQLITE_LIB} m)
  add_test(NAME fault_${t} COMMAND test_${t} $<TARGET_FILE:powertrain>)
  set_tests_properties(fault_${t} PROPERTIES TIMEOUT 900)
endforeach()
add_test(NAME fault_full_disk COMMAND ${CMAKE_CURRENT_LIST_DIR}/full_disk.sh $<TARGET_FILE:powertrain>)
set_tests_properties(fault_full_disk PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77)
