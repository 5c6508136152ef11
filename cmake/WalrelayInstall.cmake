# Install layout, CMake package, pkg-config file and the Debian package (CPack).
#
#   <prefix>/bin/walrelay
#   <prefix>/lib/walrelay/plugins/walrelay-sink-<name>.so   (default_plugin_dir() of the
#                                                          installed binary: <exe>/../lib/...)
#   <prefix>/include/walrelay/sink.h, sink.hpp
#   <prefix>/share/cmake/walrelay/walrelay{Config,ConfigVersion,Targets}.cmake
#                                                          (find_package(walrelay) ->
#                                                          walrelay::sdk)
#   <prefix>/share/pkgconfig/walrelay.pc
#   <prefix>/lib/systemd/system/walrelay@.service
#   <prefix>/share/doc/walrelay/README.md, CONFIG.md, SDK.md
#   <etc>/walrelay/example.yaml                            (<etc> is /etc when the prefix
#                                                          is /usr, else <prefix>/etc)
#
# The SDK is header-only, so its CMake package and .pc file are architecture-independent
# (share/, not lib/<triplet>/). The plugin directory is exactly lib/walrelay/plugins (not
# CMAKE_INSTALL_LIBDIR, which is lib/<triplet> on Debian): core/app/logging.cpp
# default_plugin_dir() looks there.
#
# Paths that depend on the prefix (the unit's ExecStart, the .pc file, /etc) are worked out
# when installing, from the prefix of that install: `cmake --install build --prefix P`
# and `cpack -G DEB` (prefix /usr, DESTDIR staging) both get the right ones.

include(CMakePackageConfigHelpers)

# `make install` and cpack (its "preinstall" step) install what is built instead of first
# building every target, tests and benchmarks included: build with `cmake --build` first.
# -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=OFF restores CMake's default.
if(NOT DEFINED CMAKE_SKIP_INSTALL_ALL_DEPENDENCY)
  set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
endif()

set(WALRELAY_INSTALL_PLUGIN_DIR lib/walrelay/plugins)
set(WALRELAY_INSTALL_CMAKE_DIR share/cmake/walrelay)
set(WALRELAY_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)

# --- the program and the sink plugins (each keeps its file name walrelay-sink-<name>.so) ---
install(TARGETS walrelay RUNTIME DESTINATION bin)

set(WALRELAY_INSTALLED_PLUGINS)
foreach(plugin sqlite mysql sqlserver kafka)
  if(TARGET walrelay_sink_${plugin})
    list(APPEND WALRELAY_INSTALLED_PLUGINS walrelay_sink_${plugin})
  endif()
endforeach()
install(TARGETS ${WALRELAY_INSTALLED_PLUGINS} LIBRARY DESTINATION ${WALRELAY_INSTALL_PLUGIN_DIR})

# --- the SDK: headers, CMake package (walrelay::sdk), pkg-config -----------------------
install(DIRECTORY ${PROJECT_SOURCE_DIR}/sdk/include/walrelay DESTINATION include
  FILES_MATCHING PATTERN "*.h" PATTERN "*.hpp")

set_target_properties(walrelay_sdk PROPERTIES EXPORT_NAME sdk)
install(TARGETS walrelay_sdk EXPORT walrelayTargets)
install(EXPORT walrelayTargets NAMESPACE walrelay:: FILE walrelayTargets.cmake
  DESTINATION ${WALRELAY_INSTALL_CMAKE_DIR})

configure_package_config_file(${WALRELAY_PACKAGING_DIR}/walrelayConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/walrelay-package/walrelayConfig.cmake
  INSTALL_DESTINATION ${WALRELAY_INSTALL_CMAKE_DIR}
  PATH_VARS WALRELAY_INSTALL_PLUGIN_DIR)
# ABI compatibility is checked at load time (abi_version, struct_size); the SDK version
# rule is the usual one: same major version, at least the version asked for.
write_basic_package_version_file(
  ${CMAKE_CURRENT_BINARY_DIR}/walrelay-package/walrelayConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
install(FILES
  ${CMAKE_CURRENT_BINARY_DIR}/walrelay-package/walrelayConfig.cmake
  ${CMAKE_CURRENT_BINARY_DIR}/walrelay-package/walrelayConfigVersion.cmake
  DESTINATION ${WALRELAY_INSTALL_CMAKE_DIR})

# --- documentation (what the unit's Documentation= points to) --------------------------
foreach(doc README.md docs/CONFIG.md docs/SDK.md)
  if(EXISTS ${PROJECT_SOURCE_DIR}/${doc})
    install(FILES ${PROJECT_SOURCE_DIR}/${doc} DESTINATION share/doc/walrelay)
  endif()
endforeach()

# --- prefix-dependent files, made at install time ---------------------------------------
# Variables for the templates: WALRELAY_PREFIX (the install prefix), WALRELAY_SYSCONFDIR,
# WALRELAY_VERSION.
set(WALRELAY_STAGE_DIR ${CMAKE_CURRENT_BINARY_DIR}/walrelay-package/stage)
set(_wr_code "
  set(WALRELAY_VERSION \"${PROJECT_VERSION}\")
  set(_wr_packaging \"${WALRELAY_PACKAGING_DIR}\")
  set(_wr_stage \"${WALRELAY_STAGE_DIR}\")
  set(_wr_example_config \"${PROJECT_SOURCE_DIR}/config/walrelay.example.yaml\")
")
string(APPEND _wr_code [[
  set(WALRELAY_PREFIX "${CMAKE_INSTALL_PREFIX}")
  # GNU convention: the prefix /usr keeps its configuration in /etc.
  if(WALRELAY_PREFIX STREQUAL "/usr")
    set(WALRELAY_SYSCONFDIR "/etc")
  else()
    set(WALRELAY_SYSCONFDIR "${WALRELAY_PREFIX}/etc")
  endif()
  # One staging dir per destination, so that installs into different places do not race.
  string(MD5 _wr_key "$ENV{DESTDIR}|${WALRELAY_PREFIX}")
  set(_wr_stage "${_wr_stage}/${_wr_key}")
  file(MAKE_DIRECTORY "${_wr_stage}")
  configure_file("${_wr_packaging}/walrelay.pc.in" "${_wr_stage}/walrelay.pc" @ONLY)
  configure_file("${_wr_packaging}/walrelay@.service.in" "${_wr_stage}/walrelay@.service" @ONLY)
  file(INSTALL DESTINATION "${WALRELAY_PREFIX}/share/pkgconfig" TYPE FILE
    FILES "${_wr_stage}/walrelay.pc")
  file(INSTALL DESTINATION "${WALRELAY_PREFIX}/lib/systemd/system" TYPE FILE
    FILES "${_wr_stage}/walrelay@.service")
  # The default configuration (a conffile in the .deb): the documented example.
  file(INSTALL DESTINATION "${WALRELAY_SYSCONFDIR}/walrelay" TYPE FILE
    FILES "${_wr_example_config}" RENAME example.yaml)
]])
install(CODE "${_wr_code}")

# --- Debian package ---------------------------------------------------------------------
set(WALRELAY_DEB_MAINTAINER "walrelay maintainers <walrelay@localhost>" CACHE STRING
  "Maintainer field of the .deb built by cpack -G DEB")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME walrelay)
set(CPACK_PACKAGE_VENDOR walrelay)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "PostgreSQL change data capture to pluggable sinks (logical replication, pgoutput)")
set(CPACK_PACKAGE_DESCRIPTION
  "walrelay reads committed changes from a PostgreSQL logical replication slot and applies them, in commit order and exactly once, to sink plugins (SQLite, MySQL/MariaDB, Kafka, SQL Server) loaded through a stable C ABI. Includes the sink SDK headers, a CMake package and a pkg-config file for third-party sinks.")
set(CPACK_PACKAGE_CONTACT "${WALRELAY_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${WALRELAY_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_COMPRESSION_TYPE gzip)
set(CPACK_STRIP_FILES ON)
# Install with DESTDIR and prefix /usr so that install-time paths (/etc, ExecStart) are the
# packaged ones.
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_SET_DESTDIR ON)

# Dependencies: computed by dpkg-shlibdeps (needs dpkg-dev and file) from the binaries;
# else the Debian 12 runtime libraries of what was built. adduser is for the postinst.
find_program(WALRELAY_DPKG_SHLIBDEPS dpkg-shlibdeps)
find_program(WALRELAY_FILE_PROGRAM file)
if(WALRELAY_DPKG_SHLIBDEPS AND WALRELAY_FILE_PROGRAM)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
else()
  set(_wr_depends adduser libc6 libstdc++6 libgcc-s1 libpq5 libyaml-cpp0.7 libspdlog1.10-fmt9
    libfmt9 zlib1g libsqlite3-0)
  if(TARGET walrelay_sink_mysql)
    list(APPEND _wr_depends libmariadb3)
  endif()
  if(TARGET walrelay_sink_kafka)
    list(APPEND _wr_depends librdkafka1)
  endif()
  if(TARGET walrelay_sink_sqlserver)
    list(APPEND _wr_depends libsybdb5)
  endif()
  list(JOIN _wr_depends ", " CPACK_DEBIAN_PACKAGE_DEPENDS)
endif()

# Maintainer scripts and the conffile list (dpkg keeps local edits of conffiles).
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${WALRELAY_PACKAGING_DIR}/debian/conffiles
  ${WALRELAY_PACKAGING_DIR}/debian/postinst
  ${WALRELAY_PACKAGING_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
