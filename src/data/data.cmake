# src/data: PAMAP2, CelebA and Fashion-MNIST readers, synthetic generators, the batcher.
find_package(ZLIB REQUIRED)
add_library(pt_data STATIC
  src/data/dataset.c src/data/batcher.c src/data/idx.c src/data/fmnist.c src/data/cache.c
  src/data/pamap2.c src/data/pamap2_parse.c src/data/synth_pamap2.c)
target_include_directories(pt_data PUBLIC src include)
target_link_libraries(pt_data PUBLIC pt_util ZLIB::ZLIB Threads::Threads m)
