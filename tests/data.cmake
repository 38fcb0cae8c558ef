# Tests of src/data (readers, generators, batcher) on tiny hand-made and synthetic files.
pt_add_test(test_fmnist test_fmnist.c)
target_link_libraries(test_fmnist PRIVATE pt_data)
pt_add_test(test_batcher test_batcher.c)
target_link_libraries(test_batcher PRIVATE pt_data)
pt_add_test(test_pamap2 test_pamap2.c)
target_link_libraries(test_pamap2 PRIVATE pt_data)
# test_pamap2 compiles the PAMAP2 reader again with float-to-int casts trapping: a NaN
# or out-of-range value cast to int is undefined behaviour and must be range-checked first
target_sources(test_pamap2 PRIVATE ${PROJECT_SOURCE_DIR}/src/data/pamap2.c ${PROJECT_SOURCE_DIR}/src/data/pamap2_parse.c)
target_compile_options(test_pamap2 PRIVATE -fsanitize=float-cast-overflow -fsanitize-undefined-trap-on-error)
pt_add_test(test_celeba test_celeba.c)
target_link_libraries(test_celeba PRIVATE pt_data)
pt_add_test(test_fifo test_fifo.c)
target_link_libraries(test_fifo PRIVATE pt_data pt_nn)
add_executable(test_data_cli test_data_cli.c)
target_include_directories(test_data_cli PRIVATE ${PROJECT_SOURCE_DIR}/tests)
add_test(NAME test_data_cli COMMAND test_data_cli $<TARGET_FILE:powertrain>)
set_tests_properties(test_data_cli PROPERTIES TIMEOUT 120)
