# Training runs and studies.
pt_add_test(test_stop test_stop.c)
target_link_libraries(test_stop PRIVATE pt_study)
pt_add_test(test_train test_train.c)
target_link_libraries(test_train PRIVATE pt_study)
