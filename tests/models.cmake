# The models: parameter counts, shapes, encoder transfer.
pt_add_test(test_models test_models.c)
target_link_libraries(test_models PRIVATE pt_models pt_data)
