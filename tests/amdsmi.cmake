# AMD SMI source tests: a scripted fake libamd_smi (see fake_amdsmi.c for the
# control-file format) and test_amdsmi.
add_library(fake_amdsmi SHARED fake_amdsmi.c)
target_link_libraries(fake_amdsmi PRIVATE Threads::Threads)
pt_add_test(test_amdsmi test_amdsmi.c)
add_dependencies(test_amdsmi fake_amdsmi)
set_tests_properties(test_amdsmi PROPERTIES ENVIRONMENT "POWERTRAIN_AMDSMI_LIBRARY=$<TARGET_FILE:fake_amdsmi>")
