# Tests of the cuda backend. Included from tests/nn.cmake; registered only when
# src/nn/cuda/cuda.cmake compiled the backend into pt_nn (PT_HAVE_CUDA, the
# Release build of a machine with the CUDA toolkit and cuDNN).
#   test_cuda              every op and every model against ref (fp32, TF32 off);
#                          skipped (77) where no GPU is usable, run for real by
#                          tests/gpu/run.sh
#   test_cuda_unavailable  creation and `powertrain train --device cuda...` fail
#                          cleanly, in one line, where the device is missing
if(TARGET pt_nn)
  get_target_property(pt_nn_defs pt_nn INTERFACE_COMPILE_DEFINITIONS)
  if(pt_nn_defs AND "PT_HAVE_CUDA" IN_LIST pt_nn_defs)
    pt_add_nn_test(test_cuda test_cuda.c)
    target_link_libraries(test_cuda PRIVATE pt_models)
    set_tests_properties(test_cuda PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77 ENVIRONMENT "NVIDIA_TF32_OVERRIDE=0")
    add_executable(test_cuda_unavailable test_cuda_unavailable.c)
    target_include_directories(test_cuda_unavailable PRIVATE ${PROJECT_SOURCE_DIR}/tests)
    target_link_libraries(test_cuda_unavailable PRIVATE pt_nn)
    add_test(NAME test_cuda_unavailable COMMAND test_cuda_unavailable $<TARGET_FILE:powertrain>)
    set_tests_properties(test_cuda_unavailable PROPERTIES TIMEOUT 120)
  endif()
endif()
