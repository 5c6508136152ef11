# walrelay_add_sink_plugin(<name> SOURCES ... [LIBRARIES ...])
# Builds a sink plugin as a MODULE library named walrelay-sink-<name>.so into
# ${WALRELAY_PLUGIN_OUTPUT_DIR}, with hidden visibility and a version script so that
# only the entry symbol (walrelay_sink_entry) is exported.
function(walrelay_add_sink_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES;INCLUDES" ${ARGN})
  set(target walrelay_sink_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE walrelay_sdk ${ARG_LIBRARIES})
  if(ARG_INCLUDES)
    target_include_directories(${target} PRIVATE ${ARG_INCLUDES})
  endif()
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME walrelay-sink-${name}
    PREFIX ""
    LIBRARY_OUTPUT_DIRECTORY ${WALRELAY_PLUGIN_OUTPUT_DIR}
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE
    -Wl,--version-script=${PROJECT_SOURCE_DIR}/sdk/plugin.map
    -Wl,--no-undefined
    -Wl,-z,defs)
endfunction()
