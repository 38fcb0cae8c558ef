# The results store (SQLite).
find_path(PT_SQLITE_INCLUDE sqlite3.h REQUIRED)
find_library(PT_SQLITE_LIB sqlite3 REQUIRED)
add_library(pt_store STATIC ${CMAKE_CURRENT_LIST_DIR}/store.c ${CMAKE_CURRENT_LIST_DIR}/claim.c ${CMAKE_CURRENT_LIST_DIR}/merge.c
  ${CMAKE_CURRENT_LIST_DIR}/read.c)
target_include_directories(pt_store PUBLIC ${PROJECT_SOURCE_DIR}/src ${PT_SQLITE_INCLUDE})
target_link_libraries(pt_store PUBLIC pt_util ${PT_SQLITE_LIB} m)
target_sources(powertrain PRIVATE ${PROJECT_SOURCE_DIR}/src/cli/cmd_merge.c)
target_link_libraries(powertrain PRIVATE pt_store)
