# Consumer tests (tests/consumer/run): canary used the way a user's project uses it. ctest label
# `consumer`; the install step is a fixture the others need.
set(CANARY_CONSUMER_WORK ${CMAKE_CURRENT_BINARY_DIR}/consumer)
set(CANARY_CONSUMER_RUN ${CMAKE_CURRENT_LIST_DIR}/run)
add_test(NAME consumer.install COMMAND ${CANARY_CONSUMER_RUN} install ${CANARY_CONSUMER_WORK})
set_tests_properties(consumer.install PROPERTIES FIXTURES_SETUP canary_installed LABELS consumer)
foreach(step find_package add_subdirectory fetchcontent pkg-config deb)
  add_test(NAME consumer.${step} COMMAND ${CANARY_CONSUMER_RUN} ${step} ${CANARY_CONSUMER_WORK})
  set_tests_properties(consumer.${step} PROPERTIES LABELS consumer SKIP_RETURN_CODE 77)
  if(NOT step STREQUAL "add_subdirectory" AND NOT step STREQUAL "fetchcontent")
    set_tests_properties(consumer.${step} PROPERTIES FIXTURES_REQUIRED canary_installed)
  endif()
endforeach()
