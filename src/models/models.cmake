# The networks of the studies (src/models): static library pt_models.
add_library(pt_models STATIC
  ${CMAKE_CURRENT_LIST_DIR}/models.c
  ${CMAKE_CURRENT_LIST_DIR}/model_util.c
  ${CMAKE_CURRENT_LIST_DIR}/pamap2.c
  ${CMAKE_CURRENT_LIST_DIR}/fmnist.c
  ${CMAKE_CURRENT_LIST_DIR}/resnet18.c)
target_include_directories(pt_models PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(pt_models PUBLIC pt_nn pt_util)

target_sources(powertrain PRIVATE ${PROJECT_SOURCE_DIR}/src/cli/cmd_models.c)
target_link_libraries(powertrain PRIVATE pt_models)
