# Tests of src/data (readers, generators, batcher) on tiny hand-made and synthetic files.
pt_add_test(test_fmnist test_fmnist.c)
target_link_libraries(test_fmnist PRIVATE pt_data)
pt_add_test(test_batcher test_batcher.c)
target_link_libraries(test_batcher PRIVATE pt_data)
pt_add_test(test_pamap2 test_pamap2.c)
target_link_libraries(test_pamap2 PRIVATE pt_data)
