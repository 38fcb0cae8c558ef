# cuda.cmake -- the `cuda` backend (CUDA runtime + cuBLAS + cuDNN 9's legacy
# convolution API + own kernels), a module loaded at run time (see below). Included by src/nn/nn.cmake
# after pt_nn exists and only when the top level found the CUDA toolkit and
# cuDNN (CUDAToolkit_FOUND, PT_CUDNN_INCLUDE / PT_CUDNN_LIB). Every CUDA call
# of the project lives in this folder.
#
# Release builds only: the sanitizer build (PT_SANITIZE, clang + ASan/UBSan)
# leaves it out -- ASan's shadow memory and the CUDA driver's address-space
# reservations do not mix, and nvcc does not take clang's sanitizer flags.
# The C files include plain C headers (cuda_runtime_api.h, cublas_v2.h,
# cudnn.h) and compile with the project's C compiler; only cuda_kernels.cu
# goes through nvcc.
if(PT_SANITIZE)
  message(STATUS "powertrain: cuda backend: not in the sanitizer build")
  return()
endif()
if(NOT CMAKE_CUDA_COMPILER AND CUDAToolkit_NVCC_EXECUTABLE)
  set(CMAKE_CUDA_COMPILER ${CUDAToolkit_NVCC_EXECUTABLE})
endif()
include(CheckLanguage)
check_language(CUDA)
if(NOT CMAKE_CUDA_COMPILER)
  message(STATUS "powertrain: cuda backend: no nvcc found (the cuda backend will be unavailable)")
  return()
endif()
# sm_80 (A100, RTX 30xx run it too) as machine code, sm_90 (H100/H200) as
# machine code + PTX for newer GPUs. Two targets keep nvcc's time small on CI.
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 80-real 90)
endif()
set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
enable_language(CUDA)
message(STATUS "powertrain: cuda backend: CUDA ${CUDAToolkit_VERSION}, cuDNN ${PT_CUDNN_LIB}, architectures ${CMAKE_CUDA_ARCHITECTURES}")
# A module of its own, loaded (dlopen) the first time a cuda backend is asked
# for (src/nn/backend.c): the CUDA runtime, cuBLAS and cuDNN are never mapped
# by a process that does not train on a GPU (at load time they cost every
# powertrain command ~0.4 s and ~170 MB of resident memory), and a machine
# without them reports the backend unavailable instead of failing to start.
add_library(powertrain_cuda MODULE
  ${CMAKE_CURRENT_LIST_DIR}/cuda_common.c
  ${CMAKE_CURRENT_LIST_DIR}/cuda_backend.c
  ${CMAKE_CURRENT_LIST_DIR}/cuda_conv.c
  ${CMAKE_CURRENT_LIST_DIR}/cuda_linear.c
  ${CMAKE_CURRENT_LIST_DIR}/cuda_kernels.cu)
set_target_properties(powertrain_cuda PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}
  CUDA_ARCHITECTURES "${CMAKE_CUDA_ARCHITECTURES}")
# cuDNN 9 marks its legacy convolution API deprecated; only cuda_conv.c uses it.
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/cuda_conv.c PROPERTIES COMPILE_OPTIONS -Wno-deprecated-declarations)
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/cuda_kernels.cu PROPERTIES
  COMPILE_OPTIONS "-Xcompiler=-Wall,-Wextra;--Werror=all-warnings;-lineinfo")
target_include_directories(powertrain_cuda PRIVATE ${PROJECT_SOURCE_DIR}/src ${PT_CUDNN_INCLUDE})
target_link_libraries(powertrain_cuda PRIVATE pt_util CUDA::cudart CUDA::cublas ${PT_CUDNN_LIB})
install(TARGETS powertrain_cuda LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/powertrain)
# pt_nn finds the module: POWERTRAIN_CUDA_MODULE, beside the executable, the
# install folder, then this build tree (tests run from build/tests)
add_dependencies(pt_nn powertrain_cuda)
target_compile_definitions(pt_nn PUBLIC PT_HAVE_CUDA)
target_compile_definitions(pt_nn PRIVATE
  PT_CUDA_MODULE_INSTALL="${CMAKE_INSTALL_FULL_LIBDIR}/powertrain/$<TARGET_FILE_NAME:powertrain_cuda>"
  PT_CUDA_MODULE_BUILD="$<TARGET_FILE:powertrain_cuda>"
  PT_CUDA_MODULE_NAME="$<TARGET_FILE_NAME:powertrain_cuda>")
target_link_libraries(pt_nn PUBLIC ${CMAKE_DL_LIBS})
