# rdma_counter on a machine without an RDMA device (this one: the guest scenarios have soft-RoCE):
# both halves stop with mapio's ENODEV error naming what they tried, exit status 1, and print
# nothing on standard output. Skipped (77) where /sys/class/infiniband lists a device.
if(TARGET rdma_counter)
  add_test(NAME example.rdma_counter
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/check_rdma_counter.sh ${PROJECT_BINARY_DIR}/examples/rdma_counter)
  set_tests_properties(example.rdma_counter PROPERTIES LABELS "example;rdma" SKIP_RETURN_CODE 77 TIMEOUT 60)
endif()
