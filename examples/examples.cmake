# Examples: the meter from C, linked against the shared library as an outside
# user would (examples/pytorch_fmnist.py is the same pattern from Python).
add_executable(meter_in_c ${PROJECT_SOURCE_DIR}/examples/meter_in_c.c)
target_include_directories(meter_in_c PRIVATE ${PROJECT_SOURCE_DIR}/include)
target_link_libraries(meter_in_c PRIVATE powertrain-meter m)
