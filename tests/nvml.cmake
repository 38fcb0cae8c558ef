# NVML source tests: a scripted fake libnvidia-ml (see fake_nvml.c for the
# control-file format) and test_nvml. Other tests may use the fake through
# $<TARGET_FILE:fake_nvml> with POWERTRAIN_NVML_LIBRARY and FAKE_NVML_CONTROL.
add_library(fake_nvml SHARED fake_nvml.c)
target_link_libraries(fake_nvml PRIVATE Threads::Threads)
# Like a driver too old for nvmlDeviceGetTotalEnergyConsumption.
add_library(fake_nvml_old SHARED fake_nvml.c)
target_compile_definitions(fake_nvml_old PRIVATE FAKE_NVML_NO_ENERGY)
target_link_libraries(fake_nvml_old PRIVATE Threads::Threads)

pt_add_test(test_nvml test_nvml.c)
add_dependencies(test_nvml fake_nvml fake_nvml_old)
set_tests_properties(test_nvml PROPERTIES ENVIRONMENT
  "POWERTRAIN_NVML_LIBRARY=$<TARGET_FILE:fake_nvml>;FAKE_NVML_OLD_LIBRARY=$<TARGET_FILE:fake_nvml_old>")
