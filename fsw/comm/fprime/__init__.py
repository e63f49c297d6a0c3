"""F Prime interoperability: ginny's commands, events and channels as an F Prime dictionary, F Prime's packets
and framings (its own, and CCSDS space packets in TC/TM frames), and the comm process's door for `fprime-gds`."""
