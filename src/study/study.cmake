# Training runs and the studies.
add_library(pt_study STATIC ${CMAKE_CURRENT_LIST_DIR}/stop.c ${CMAKE_CURRENT_LIST_DIR}/train.c
  ${CMAKE_CURRENT_LIST_DIR}/data.c ${CMAKE_CURRENT_LIST_DIR}/study.c
  ${CMAKE_CURRENT_LIST_DIR}/tune.c ${CMAKE_CURRENT_LIST_DIR}/tune_run.c ${CMAKE_CURRENT_LIST_DIR}/grid.c ${CMAKE_CURRENT_LIST_DIR}/slurm.c
  ${CMAKE_CURRENT_LIST_DIR}/exec.c ${CMAKE_CURRENT_LIST_DIR}/exec_proc.c ${CMAKE_CURRENT_LIST_DIR}/exec_run.c)
target_include_directories(pt_study PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(pt_study PUBLIC pt_store pt_models pt_nn pt_data pt_meter pt_util m)

# The study kinds of the CLI (study/kind.h): the table and one file per kind.
set(PT_STUDY_KINDS ${CMAKE_CURRENT_LIST_DIR}/kind.c
  ${CMAKE_CURRENT_LIST_DIR}/kind_regime.c
  ${CMAKE_CURRENT_LIST_DIR}/kind_pretrain.c
  ${CMAKE_CURRENT_LIST_DIR}/kind_multitask.c
  ${CMAKE_CURRENT_LIST_DIR}/kind_tune.c)

target_sources(powertrain PRIVATE ${PROJECT_SOURCE_DIR}/src/cli/cmd_study.c ${PT_STUDY_KINDS})
target_link_libraries(powertrain PRIVATE pt_study)
