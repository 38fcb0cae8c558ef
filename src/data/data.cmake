# src/data: PAMAP2, CelebA and Fashion-MNIST readers, synthetic generators, the batcher.
find_package(ZLIB REQUIRED)
find_path(PT_TURBOJPEG_INCLUDE turbojpeg.h REQUIRED)
find_library(PT_TURBOJPEG_LIB turbojpeg REQUIRED)
add_library(pt_data STATIC
  src/data/dataset.c src/data/batcher.c src/data/cache.c
  src/data/idx.c src/data/fmnist.c
  src/data/pamap2.c src/data/pamap2_parse.c src/data/synth_pamap2.c
  src/data/celeba.c src/data/image.c src/data/synth_celeba.c
  src/data/registry.c src/data/fmnist_entry.c src/data/pamap2_entry.c src/data/celeba_entry.c)
target_include_directories(pt_data PUBLIC src include ${PT_TURBOJPEG_INCLUDE})
target_link_libraries(pt_data PUBLIC pt_util ZLIB::ZLIB ${PT_TURBOJPEG_LIB} Threads::Threads m)

# the verbs `powertrain synth` and `powertrain data`
target_sources(powertrain PRIVATE src/cli/cmd_synth.c src/cli/cmd_data.c)
target_link_libraries(powertrain PRIVATE pt_data)

# benchmark (not a test): build/data_bench [PAMAP2_DIR [CELEBA_DIR]]
add_executable(data_bench bench/data_bench.c)
target_link_libraries(data_bench PRIVATE pt_data pt_util)
