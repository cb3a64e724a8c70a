# The OpenAI-compatible server (server/): libmicrohttpd + jansson from pkg-config, linked into
# the CLI (`anyinfer serve`). Without them the CLI builds and `serve` says what is missing.
if(PkgConfig_FOUND)
  pkg_check_modules(MHD IMPORTED_TARGET libmicrohttpd)
endif()
if(MHD_FOUND AND JANSSON_FOUND)
  file(GLOB AI_SERVER_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/server/*.c)
  add_library(anyinfer_server STATIC ${AI_SERVER_SOURCES})
  target_include_directories(anyinfer_server PUBLIC ${CMAKE_SOURCE_DIR}/server)
  # audio.c reads uploads with tools/audio_file.c and formats with tools/transcript_format.c,
  # both compiled into the CLI that links this library.
  target_include_directories(anyinfer_server PRIVATE ${CMAKE_SOURCE_DIR}/tools)
  target_compile_definitions(anyinfer_server PRIVATE _POSIX_C_SOURCE=200809L)
  target_link_libraries(anyinfer_server PUBLIC anyinfer_static PkgConfig::MHD PkgConfig::JANSSON
                                               Threads::Threads)
  target_link_libraries(anyinfer PRIVATE anyinfer_server)
  target_compile_definitions(anyinfer PRIVATE AI_HAVE_SERVER=1)
  # The request-body fuzz target needs server/request.c.
  if(TARGET replay_fuzz_request_json)
    target_link_libraries(replay_fuzz_request_json PRIVATE anyinfer_server)
  endif()
  if(TARGET fuzz_request_json)
    target_link_libraries(fuzz_request_json PRIVATE anyinfer_server)
  endif()
  # The multipart fuzz target needs server/multipart.c.
  foreach(t replay_fuzz_multipart fuzz_multipart)
    if(TARGET ${t})
      target_link_libraries(${t} PRIVATE anyinfer_server)
    endif()
  endforeach()
elseif(EXISTS ${CMAKE_SOURCE_DIR}/fuzz/fuzz_request_json.c)
  message(WARNING "libmicrohttpd or jansson not found: no server, no request fuzz target")
endif()
