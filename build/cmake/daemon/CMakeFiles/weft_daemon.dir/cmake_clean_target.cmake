file(REMOVE_RECURSE
  "libweft_daemon.a"
)
