# Tests of the cpu (oneDNN) backend: every op against ref. Included from
# tests/nn.cmake; registered only when src/nn/dnnl/dnnl.cmake compiled the
# backend into pt_nn (PT_HAVE_DNNL).
if(TARGET pt_nn)
  get_target_property(pt_nn_defs pt_nn INTERFACE_COMPILE_DEFINITIONS)
  if(pt_nn_defs AND "PT_HAVE_DNNL" IN_LIST pt_nn_defs)
    pt_add_nn_test(test_dnnl test_dnnl.c)
  endif()
endif()
