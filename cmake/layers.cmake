# The library's layers (docs/adr/0009-layers.md), lowest first. Each layer is an OBJECT library
# built from src/<layer>/ against an include view (build/<preset>/layers/<layer>/) that holds
# only its own and lower layers' public headers (include/wechatpay/...) and private directories
# (src/<layer>/...), so that an upward #include fails to compile: "No such file or directory".
# `wechatpay_layer_check_<layer>` links a layer's objects with the lower layers' objects alone
# (and nothing above), so that an upward call fails to link. `wechatpay` is all layers' objects.
#
# Adding a public header: put it in exactly one list below; configuring fails otherwise.

set(WECHATPAY_LAYERS crypto transport auth api)
set(WECHATPAY_LAYER_crypto_HEADERS result.h crypto.h version.h pkcs12.h)
set(WECHATPAY_LAYER_transport_HEADERS http.h url.h multipart.h curl_transport.h)
set(WECHATPAY_LAYER_auth_HEADERS auth.h apiv2.h)
set(WECHATPAY_LAYER_api_HEADERS client.h future.h catalog.h validation.h miniprogram.h
    notifications.h wechatpay.h loaders.h models services)
# Not part of the payment library's layers: test support (include/wechatpay/testing/ and
# src/testing/), the separate library wechatpay_testing above the api layer (CMakeLists.txt). No
# layer's include view holds these headers, so the payment library cannot include them.
set(WECHATPAY_NON_LAYER_HEADERS testing)
set(WECHATPAY_NON_LAYER_SOURCES testing)
# Third-party libraries each layer may use (usage requirements of its objects).
set(WECHATPAY_LAYER_crypto_LIBS OpenSSL::Crypto)
set(WECHATPAY_LAYER_transport_LIBS CURL::libcurl)
set(WECHATPAY_LAYER_auth_LIBS nlohmann_json::nlohmann_json pugixml::pugixml)
set(WECHATPAY_LAYER_api_LIBS nlohmann_json::nlohmann_json Threads::Threads)

# ---- the map covers every public header exactly once ----
file(GLOB _wechatpay_public RELATIVE ${PROJECT_SOURCE_DIR}/include/wechatpay
     ${PROJECT_SOURCE_DIR}/include/wechatpay/*)
set(_wechatpay_mapped ${WECHATPAY_NON_LAYER_HEADERS})
foreach(layer IN LISTS WECHATPAY_LAYERS)
  foreach(h IN LISTS WECHATPAY_LAYER_${layer}_HEADERS)
    if(h IN_LIST _wechatpay_mapped)
      message(FATAL_ERROR "cmake/layers.cmake: include/wechatpay/${h} is in two layers")
    endif()
    if(NOT EXISTS ${PROJECT_SOURCE_DIR}/include/wechatpay/${h})
      message(FATAL_ERROR "cmake/layers.cmake: layer ${layer} lists include/wechatpay/${h}, "
                          "which does not exist")
    endif()
    list(APPEND _wechatpay_mapped ${h})
  endforeach()
  if(NOT IS_DIRECTORY ${PROJECT_SOURCE_DIR}/src/${layer})
    message(FATAL_ERROR "cmake/layers.cmake: layer ${layer} has no directory src/${layer}")
  endif()
endforeach()
foreach(h IN LISTS _wechatpay_public)
  if(NOT h IN_LIST _wechatpay_mapped)
    message(FATAL_ERROR "cmake/layers.cmake: include/wechatpay/${h} belongs to no layer: add it "
                        "to one of the WECHATPAY_LAYER_<layer>_HEADERS lists")
  endif()
endforeach()
file(GLOB _wechatpay_src_dirs RELATIVE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/src/*)
foreach(d IN LISTS _wechatpay_src_dirs)
  if(NOT d IN_LIST WECHATPAY_LAYERS AND NOT d IN_LIST WECHATPAY_NON_LAYER_SOURCES)
    message(FATAL_ERROR "cmake/layers.cmake: src/${d} is not a layer (${WECHATPAY_LAYERS})")
  endif()
endforeach()

# ---- one include view and one OBJECT library per layer ----
set(WECHATPAY_LAYER_OBJECTS)
set(_wechatpay_below)  # layers below the current one
foreach(layer IN LISTS WECHATPAY_LAYERS)
  set(view ${PROJECT_BINARY_DIR}/layers/${layer})
  file(REMOVE_RECURSE ${view})
  file(MAKE_DIRECTORY ${view}/include/wechatpay ${view}/private)
  foreach(l IN LISTS _wechatpay_below layer)
    foreach(h IN LISTS WECHATPAY_LAYER_${l}_HEADERS)
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/include/wechatpay/${h} ${view}/include/wechatpay/${h}
           SYMBOLIC)
    endforeach()
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${l} ${view}/private/${l} SYMBOLIC)
  endforeach()

  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${layer}/*.cc)
  add_library(wechatpay_layer_${layer} OBJECT ${sources})
  target_include_directories(wechatpay_layer_${layer} PRIVATE ${view}/include ${view}/private)
  target_compile_features(wechatpay_layer_${layer} PUBLIC cxx_std_17)
  target_link_libraries(wechatpay_layer_${layer}
    PRIVATE ${WECHATPAY_LAYER_${layer}_LIBS} wechatpay_warnings)
  set_target_properties(wechatpay_layer_${layer} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  list(APPEND WECHATPAY_LAYER_OBJECTS $<TARGET_OBJECTS:wechatpay_layer_${layer}>)

  # Link check: this layer and those below, nothing above (the api layer is the library).
  if(NOT layer STREQUAL "api")
    add_executable(wechatpay_layer_check_${layer} ${PROJECT_SOURCE_DIR}/cmake/layer_check_main.cc)
    set(libs)
    foreach(l IN LISTS _wechatpay_below layer)
      target_sources(wechatpay_layer_check_${layer} PRIVATE $<TARGET_OBJECTS:wechatpay_layer_${l}>)
      list(APPEND libs ${WECHATPAY_LAYER_${l}_LIBS})
    endforeach()
    target_link_libraries(wechatpay_layer_check_${layer} PRIVATE ${libs})
  endif()
  list(APPEND _wechatpay_below ${layer})
endforeach()

# The generated models (src/api/models) are large and regular: line tables are enough to debug
# them, and full debug info would triple their object size and add a third to their compile time.
file(GLOB_RECURSE WECHATPAY_MODEL_SOURCES CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/src/api/models/*.cc)
if(WECHATPAY_MODEL_SOURCES AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  set_source_files_properties(${WECHATPAY_MODEL_SOURCES} PROPERTIES COMPILE_OPTIONS "-g1")
endif()
