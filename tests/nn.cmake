# Tests of the training engine (src/nn): ref ops, network, optimizers, safetensors.
function(pt_add_nn_test name)
  pt_add_test(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE pt_nn)
endfunction()
pt_add_nn_test(test_nn_backend test_nn_backend.c)
pt_add_nn_test(test_nn_ref test_nn_ref.c)
include(${CMAKE_CURRENT_LIST_DIR}/cuda.cmake OPTIONAL)
pt_add_nn_test(test_nn_net test_nn_net.c)
pt_add_nn_test(test_nn_safetensors test_nn_safetensors.c)
# every op of backend.h on every backend compiled in (cpu, cuda) against ref;
# rows of a backend that cannot be created here (cuda without a GPU) print skip
pt_add_nn_test(test_backend_ops test_backend_ops.c)
set_tests_properties(test_backend_ops PROPERTIES TIMEOUT 600 ENVIRONMENT "NVIDIA_TF32_OVERRIDE=0")
# the cpu backend's own loops are compiled per instruction set (src/nn/cpu/cpu.cmake):
# each copy against ref; skipped (77) where this CPU or build lacks it
foreach(isa base avx2 avx512)
  add_test(NAME test_backend_ops_${isa} COMMAND test_backend_ops)
  set_tests_properties(test_backend_ops_${isa} PROPERTIES TIMEOUT 600 SKIP_RETURN_CODE 77
                       ENVIRONMENT "POWERTRAIN_CPU_ISA=${isa};POWERTRAIN_TEST_BACKENDS=cpu")
endforeach()
