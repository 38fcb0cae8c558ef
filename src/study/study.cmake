# Training runs and the studies.
add_library(pt_study STATIC ${CMAKE_CURRENT_LIST_DIR}/stop.c ${CMAKE_CURRENT_LIST_DIR}/train.c
  ${CMAKE_CURRENT_LIST_DIR}/data.c ${CMAKE_CURRENT_LIST_DIR}/study.c
  ${CMAKE_CURRENT_LIST_DIR}/tune.c ${CMAKE_CURRENT_LIST_DIR}/tune_run.c ${CMAKE_CURRENT_LIST_DIR}/grid.c ${CMAKE_CURRENT_LIST_DIR}/slurm.c)
target_include_directories(pt_study PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(pt_study PUBLIC pt_store pt_models pt_nn pt_data pt_meter pt_util m)

target_sources(powertrain PRIVATE ${PROJECT_SOURCE_DIR}/src/cli/study_cli.c)
target_link_libraries(powertrain PRIVATE pt_study)
