# Tests of the training engine (src/nn): ref ops, network, optimizers, safetensors.
function(pt_add_nn_test name)
  pt_add_test(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE pt_nn)
endfunction()
pt_add_nn_test(test_nn_backend test_nn_backend.c)
pt_add_nn_test(test_nn_ref test_nn_ref.c)
include(${CMAKE_CURRENT_LIST_DIR}/dnnl.cmake OPTIONAL)
pt_add_nn_test(test_nn_net test_nn_net.c)
