# Install rules and the CMake package `flowbridge` (docs/embedding.md, docs/decisions/0004):
#
#   cmake --install <build> --prefix <prefix>
#     <prefix>/bin/flowbridge                           the daemon
#     <prefix>/include/flowbridge/flowbridge.h          the embedding API in one include
#     <prefix>/include/flowbridge/{engine,transports,tools}/...   the headers it includes
#     <prefix>/lib/libflowbridge_*.a                    flowbridge::runtime and what it links
#     <prefix>/lib/cmake/flowbridge/                    flowbridgeConfig.cmake, -Version, targets
#
#   find_package(flowbridge 0.1 REQUIRED)
#   target_link_libraries(app PRIVATE flowbridge::runtime)
#
# All install rules live here, included last by the top-level CMakeLists.txt so that every
# target exists. Nothing is installed from sanitizer or fuzzing trees: their static libraries
# need the sanitizer runtime at link time, which an application would not expect.

if(FLOWBRIDGE_SANITIZE OR FLOWBRIDGE_FUZZ)
    message(STATUS "install: skipped (sanitizer/fuzz build)")
    return()
endif()
if(NOT TARGET flowbridge_runtime)
    message(STATUS "install: skipped (flowbridge::runtime is not built)")
    return()
endif()

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(FLOWBRIDGE_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/flowbridge)
set(FLOWBRIDGE_INSTALL_HEADERDIR ${CMAKE_INSTALL_INCLUDEDIR}/flowbridge)

# --- The libraries: flowbridge_runtime and every flowbridge library it links, found by walking
# its link interface, so a library added to any module's target_link_libraries (e.g. the metrics
# exporter) is exported without an edit here.
function(flowbridge_collect_libraries target out)
    set(seen ${${out}})
    set(deps)
    foreach(property LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
        get_target_property(items ${target} ${property})
        if(items)
            list(APPEND deps ${items})
        endif()
    endforeach()
    foreach(dep IN LISTS deps)
        string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" dep "${dep}")
        if(NOT TARGET ${dep})
            continue()
        endif()
        get_target_property(real ${dep} ALIASED_TARGET)
        if(NOT real)
            set(real ${dep})
        endif()
        get_target_property(imported ${real} IMPORTED)
        if(imported OR NOT real MATCHES "^flowbridge_" OR real IN_LIST seen)
            continue()
        endif()
        list(APPEND seen ${real})
        flowbridge_collect_libraries(${real} seen)
    endforeach()
    set(${out} ${seen} PARENT_SCOPE)
endfunction()

set(flowbridge_installed_libraries flowbridge_runtime)
flowbridge_collect_libraries(flowbridge_runtime flowbridge_installed_libraries)

# The modules add the repository root as a PUBLIC include directory, which is right in the build
# tree and meaningless once installed; CMake refuses to export a source path. Keep it for the
# build tree only; installed consumers get <prefix>/include and <prefix>/include/flowbridge
# (INCLUDES DESTINATION below): the headers include each other by repository-root paths
# ("engine/config/model.h"), which resolve below include/flowbridge.
foreach(lib IN LISTS flowbridge_installed_libraries)
    get_target_property(dirs ${lib} INTERFACE_INCLUDE_DIRECTORIES)
    if(dirs)
        set(build_dirs)
        foreach(dir IN LISTS dirs)
            string(FIND "${dir}" "${PROJECT_SOURCE_DIR}" at)
            if(NOT at EQUAL 0)
                list(APPEND build_dirs "${dir}")
            else()
                list(APPEND build_dirs "$<BUILD_INTERFACE:${dir}>")
            endif()
        endforeach()
        set_property(TARGET ${lib} PROPERTY INTERFACE_INCLUDE_DIRECTORIES "${build_dirs}")
    endif()
    # Users link flowbridge::<module>, as in the build tree.
    string(REGEX REPLACE "^flowbridge_" "" module ${lib})
    set_property(TARGET ${lib} PROPERTY EXPORT_NAME ${module})
endforeach()

install(TARGETS ${flowbridge_installed_libraries}
        EXPORT flowbridgeTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} ${FLOWBRIDGE_INSTALL_HEADERDIR})
install(EXPORT flowbridgeTargets
        NAMESPACE flowbridge::
        FILE flowbridgeTargets.cmake
        DESTINATION ${FLOWBRIDGE_INSTALL_CMAKEDIR})

if(TARGET flowbridge)
    install(TARGETS flowbridge RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# --- Headers: every header of the folders of the installed libraries, by repository-root path,
# so that whatever a public header includes is there. Left out: headers that include Asio, Beast
# or librdkafka (implementation seams such as transports/kafka/handle.h — they must never be
# reached from the public surface; tests/package checks that flowbridge.h's closure is free of
# them) and the runtime's internal flows.h.
set(flowbridge_header_dirs)
foreach(lib IN LISTS flowbridge_installed_libraries)
    get_target_property(dir ${lib} SOURCE_DIR)
    list(APPEND flowbridge_header_dirs ${dir})
endforeach()
list(REMOVE_DUPLICATES flowbridge_header_dirs)
set(flowbridge_private_headers ${PROJECT_SOURCE_DIR}/tools/runtime/flows.h
                               ${PROJECT_SOURCE_DIR}/tools/runtime/flowbridge.h)
foreach(dir IN LISTS flowbridge_header_dirs)
    file(GLOB headers CONFIGURE_DEPENDS ${dir}/*.h)
    foreach(header IN LISTS headers)
        if(header IN_LIST flowbridge_private_headers)
            continue()
        endif()
        file(STRINGS ${header} private_includes
             REGEX "^[ \t]*#[ \t]*include[ \t]*<(boost/asio|boost/beast|librdkafka/)")
        if(private_includes)
            continue()
        endif()
        file(RELATIVE_PATH relative ${PROJECT_SOURCE_DIR} ${dir})
        install(FILES ${header} DESTINATION ${FLOWBRIDGE_INSTALL_HEADERDIR}/${relative})
    endforeach()
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/tools/runtime/flowbridge.h
        DESTINATION ${FLOWBRIDGE_INSTALL_HEADERDIR})

# --- The package files -------------------------------------------------------------------------
configure_package_config_file(
    ${PROJECT_SOURCE_DIR}/cmake/flowbridgeConfig.cmake.in
    ${PROJECT_BINARY_DIR}/flowbridgeConfig.cmake
    INSTALL_DESTINATION ${FLOWBRIDGE_INSTALL_CMAKEDIR}
    PATH_VARS CMAKE_INSTALL_BINDIR)
# 0.x: a minor version may break the API, so only the same minor version is compatible.
write_basic_package_version_file(
    ${PROJECT_BINARY_DIR}/flowbridgeConfigVersion.cmake
    VERSION ${PROJECT_VERSION}
    COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/flowbridgeConfig.cmake
              ${PROJECT_BINARY_DIR}/flowbridgeConfigVersion.cmake
        DESTINATION ${FLOWBRIDGE_INSTALL_CMAKEDIR})
