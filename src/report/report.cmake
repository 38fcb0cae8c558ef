# Reports: the results store -> the paper's tables and figures (HTML, SVG, CSV, JSON, Markdown).
add_library(pt_report STATIC
  ${CMAKE_CURRENT_LIST_DIR}/load.c ${CMAKE_CURRENT_LIST_DIR}/analyse.c
  ${CMAKE_CURRENT_LIST_DIR}/table.c ${CMAKE_CURRENT_LIST_DIR}/build.c
  ${CMAKE_CURRENT_LIST_DIR}/figures.c ${CMAKE_CURRENT_LIST_DIR}/write.c
  ${CMAKE_CURRENT_LIST_DIR}/carbon.c ${CMAKE_CURRENT_LIST_DIR}/paper.c
  ${CMAKE_CURRENT_LIST_DIR}/tune.c ${CMAKE_CURRENT_LIST_DIR}/compare.c)
target_include_directories(pt_report PUBLIC ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(pt_report PUBLIC pt_store pt_util m)
target_sources(powertrain PRIVATE ${PROJECT_SOURCE_DIR}/src/cli/cmd_report.c)
target_link_libraries(powertrain PRIVATE pt_report)
