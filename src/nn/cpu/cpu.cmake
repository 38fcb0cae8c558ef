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
# The own loops once more per instruction set the compiler can target (never
# -march=native: the binary runs on any x86-64; cpu_backend.c picks at run
# time). base is the build's own target, above.
include(CheckCCompilerFlag)
set(pt_cpu_isa_flags_avx2 -mavx2 -mfma)
set(pt_cpu_isa_flags_avx512 -mavx2 -mfma -mavx512f -mavx512bw -mavx512vl -mavx512dq)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
  foreach(isa avx2 avx512)
    string(REPLACE ";" " " pt_flags "${pt_cpu_isa_flags_${isa}}")
    check_c_compiler_flag("${pt_flags}" PT_CC_HAS_${isa})
    if(PT_CC_HAS_${isa})
      add_library(pt_cpu_loops_${isa} OBJECT ${CMAKE_CURRENT_LIST_DIR}/cpu_loops.c)
      target_compile_options(pt_cpu_loops_${isa} PRIVATE ${pt_cpu_isa_flags_${isa}})
      target_compile_definitions(pt_cpu_loops_${isa} PRIVATE PT_CPU_ISA=${isa})
      target_include_directories(pt_cpu_loops_${isa} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PT_DNNL_INCLUDE})
      target_link_libraries(pt_cpu_loops_${isa} PRIVATE OpenMP::OpenMP_C)
      target_sources(pt_nn PRIVATE $<TARGET_OBJECTS:pt_cpu_loops_${isa}>)
      string(TOUPPER ${isa} ISA)
      target_compile_definitions(pt_nn PRIVATE PT_CPU_HAVE_${ISA})
    endif()
  endforeach()
endif()
target_include_directories(pt_nn PRIVATE ${PT_DNNL_INCLUDE})
target_compile_definitions(pt_nn PUBLIC PT_HAVE_DNNL)
target_link_libraries(pt_nn PUBLIC ${PT_DNNL_LIB} OpenMP::OpenMP_C)
