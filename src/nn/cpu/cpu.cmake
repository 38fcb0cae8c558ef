# cpu.cmake -- the `cpu` backend (oneDNN 2.x C API + OpenMP), added to pt_nn.
# Included by src/nn/nn.cmake after pt_nn exists and only when the top level
# found oneDNN (PT_DNNL_INCLUDE / PT_DNNL_LIB). Every dnnl call of the project
# lives in this folder (src/nn/cpu/).
#
# OpenMP: Debian's libdnnl is built on GNU OpenMP (libgomp). gcc links the
# same runtime. clang's -fopenmp links LLVM's libomp, which also provides the
# GOMP_* entry points, so oneDNN's parallel regions, omp_set_num_threads and
# our own loops then share libomp's one thread pool.
find_package(OpenMP COMPONENTS C)
if(NOT OpenMP_C_FOUND)
  message(STATUS "powertrain: OpenMP for C not found (the cpu backend will be unavailable)")
  return()
endif()
message(STATUS "powertrain: cpu backend: oneDNN + OpenMP ${OpenMP_C_VERSION}")
target_sources(pt_nn PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/cpu_backend.c
  ${CMAKE_CURRENT_LIST_DIR}/cpu_conv.c
  ${CMAKE_CURRENT_LIST_DIR}/cpu_pool.c
  ${CMAKE_CURRENT_LIST_DIR}/cpu_linear.c
  ${CMAKE_CURRENT_LIST_DIR}/cpu_loops.c)
target_include_directories(pt_nn PRIVATE ${PT_DNNL_INCLUDE})
target_compile_definitions(pt_nn PUBLIC PT_HAVE_DNNL)
target_link_libraries(pt_nn PUBLIC ${PT_DNNL_LIB} OpenMP::OpenMP_C)
