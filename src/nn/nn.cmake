# nn.cmake -- the training engine (src/nn): static library pt_nn.
# The ref backend always builds; the cpu (oneDNN) backend's own fragment,
# src/nn/cpu/cpu.cmake, adds its sources and PT_HAVE_DNNL to pt_nn when the
# folder exists and oneDNN was found (PT_DNNL_INCLUDE / PT_DNNL_LIB, top level);
# the cuda backend's, src/nn/cuda/cuda.cmake, adds its sources and PT_HAVE_CUDA
# when the CUDA toolkit and cuDNN were found (Release builds only).
add_library(pt_nn STATIC
  ${CMAKE_CURRENT_LIST_DIR}/backend.c
  ${CMAKE_CURRENT_LIST_DIR}/backend_ref.c
  ${CMAKE_CURRENT_LIST_DIR}/net.c
  ${CMAKE_CURRENT_LIST_DIR}/loss.c
  ${CMAKE_CURRENT_LIST_DIR}/optim.c
  ${CMAKE_CURRENT_LIST_DIR}/safetensors.c
  ${CMAKE_CURRENT_LIST_DIR}/checkpoint.c
  ${CMAKE_CURRENT_LIST_DIR}/resume.c)
# safetensors headers are JSON, parsed with cJSON (libcjson-dev)
find_path(PT_CJSON_INCLUDE cjson/cJSON.h REQUIRED)
find_library(PT_CJSON_LIB cjson REQUIRED)
target_include_directories(pt_nn PUBLIC ${PROJECT_SOURCE_DIR}/src PRIVATE ${PT_CJSON_INCLUDE})
target_link_libraries(pt_nn PUBLIC pt_util ${PT_CJSON_LIB} m)
# The ref backend is the oracle that tests run whole (small) trainings on: keep
# it optimised in Debug/sanitizer builds too (the sanitizers still instrument it).
if(CMAKE_BUILD_TYPE STREQUAL "Debug")
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/backend_ref.c PROPERTIES COMPILE_OPTIONS -O2)
endif()
if(PT_DNNL_INCLUDE AND PT_DNNL_LIB)
  include(${CMAKE_CURRENT_LIST_DIR}/cpu/cpu.cmake OPTIONAL)
endif()
if(CUDAToolkit_FOUND AND PT_CUDNN_INCLUDE AND PT_CUDNN_LIB)
  include(${CMAKE_CURRENT_LIST_DIR}/cuda/cuda.cmake OPTIONAL)
endif()
