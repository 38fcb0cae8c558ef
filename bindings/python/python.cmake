# The Python binding is pure Python (ctypes): nothing to compile. The build
# stages a copy of the package with the library inside, in build/python/, so
# that `PYTHONPATH=build/python` or `pip install --no-build-isolation
# build/python` finds libpowertrain-meter in the package folder. Not in the
# sanitizer build: an ASan library cannot be loaded into python.
if(NOT PT_SANITIZE)
  set(PT_PY_SRC ${PROJECT_SOURCE_DIR}/bindings/python)
  set(PT_PY_STAGE ${CMAKE_BINARY_DIR}/python)
  file(GLOB PT_PY_FILES CONFIGURE_DEPENDS ${PT_PY_SRC}/powertrain_meter/*.py)
  add_custom_command(
    OUTPUT ${PT_PY_STAGE}/powertrain_meter/libpowertrain-meter.so.0
    COMMAND ${CMAKE_COMMAND} -E rm -rf ${PT_PY_STAGE}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PT_PY_STAGE}/powertrain_meter
    COMMAND ${CMAKE_COMMAND} -E copy ${PT_PY_FILES} ${PT_PY_STAGE}/powertrain_meter/
    COMMAND ${CMAKE_COMMAND} -E copy ${PT_PY_SRC}/pyproject.toml ${PT_PY_SRC}/README.md ${PT_PY_STAGE}/
    COMMAND ${CMAKE_COMMAND} -E copy $<TARGET_FILE:powertrain-meter>
            ${PT_PY_STAGE}/powertrain_meter/libpowertrain-meter.so.0
    DEPENDS powertrain-meter ${PT_PY_FILES} ${PT_PY_SRC}/pyproject.toml ${PT_PY_SRC}/README.md
    COMMENT "Staging the Python package with libpowertrain-meter in ${PT_PY_STAGE}"
    VERBATIM)
  add_custom_target(python_package ALL DEPENDS ${PT_PY_STAGE}/powertrain_meter/libpowertrain-meter.so.0)
endif()
