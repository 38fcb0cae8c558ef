# The results store: schema, versions, resume, one transaction per epoch, kill -9.
pt_add_test(test_store test_store.c)
target_link_libraries(test_store PRIVATE pt_store)
