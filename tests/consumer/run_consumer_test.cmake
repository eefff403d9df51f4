# Installs the built library into a scratch prefix, then configures and builds a tiny consumer
# project with find_package(wechatpay CONFIG REQUIRED), and runs it.
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/build
                        -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
                        "-DCMAKE_CXX_FLAGS=${CONSUMER_FLAGS}"
                        "-DCMAKE_EXE_LINKER_FLAGS=${CONSUMER_FLAGS}"
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "consumer configure failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "consumer build failed: ${rc}")
endif()
foreach(program consumer consumer_test)
  execute_process(COMMAND ${WORK_DIR}/build/${program} RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  message("${out}")
  if(NOT rc EQUAL 0 OR NOT out MATCHES "${program} ok")
    message(FATAL_ERROR "${program} run failed: ${rc}")
  endif()
endforeach()
# The payment library carries no test support: no symbol of wechatpay::testing is defined in it.
file(GLOB libs ${WORK_DIR}/prefix/lib*/libwechatpay.*)  # not libwechatpay_testing.a
if(NOT libs)
  message(FATAL_ERROR "no libwechatpay in ${WORK_DIR}/prefix")
endif()
foreach(lib ${libs})
  execute_process(COMMAND nm -C --defined-only ${lib} OUTPUT_VARIABLE symbols ERROR_QUIET
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "nm ${lib} failed: ${rc}")
  endif()
  string(REGEX MATCH "wechatpay::testing::[A-Za-z_]+" hit "${symbols}")
  if(hit)
    message(FATAL_ERROR "${lib} defines ${hit}: test support belongs in libwechatpay_testing")
  endif()
endforeach()
