# ctest driver: a run whose rank VICTIM dies mid-way (must fail), then the rerun (must pass); first
# with a worker killed, then with the master (rank 0) killed.
# -D MPIEXEC=... -D FLAGS=... (list) -D RANKS=... -D EXE=... -D DIR=...
foreach(victim IN ITEMS 2 0)
  file(REMOVE_RECURSE "${DIR}")
  execute_process(COMMAND ${MPIEXEC} -n ${RANKS} ${FLAGS} ${EXE} kill ${DIR} ${victim} RESULT_VARIABLE killed
                  OUTPUT_QUIET ERROR_QUIET)
  if(killed EQUAL 0)
    message(FATAL_ERROR "the run with rank ${victim} killed exited with status 0")
  endif()
  file(GLOB saved "${DIR}/*.result")
  list(LENGTH saved saved_count)
  message(STATUS "rank ${victim} killed: exit status ${killed}, ${saved_count} results saved")
  execute_process(COMMAND ${MPIEXEC} -n ${RANKS} ${FLAGS} ${EXE} resume ${DIR} RESULT_VARIABLE resumed)
  file(REMOVE_RECURSE "${DIR}")
  if(NOT resumed EQUAL 0)
    message(FATAL_ERROR "the run resumed after rank ${victim} was killed failed (status ${resumed})")
  endif()
endforeach()
