# Training runs and studies.
pt_add_test(test_stop test_stop.c)
target_link_libraries(test_stop PRIVATE pt_study)
