// glibc entry points that Swift's Glibc module leaves out.
//
// The Glibc module is built without _GNU_SOURCE, so glibc's extensions are not declared to Swift.
// Each one used is declared here with glibc's prototype, its struct pointers as `void *`: this
// header includes no system header, which would make the C types declared in it (timespec,
// sigset_t) this module's as well as Glibc's in Swift's eyes.
#ifndef FEEDWATCH_CPOSIX_SHIM_H
#define FEEDWATCH_CPOSIX_SHIM_H

// glibc 2.34: in the child of a posix_spawn, closes every descriptor from `from` up.
// `actions` is a posix_spawn_file_actions_t *.
extern int posix_spawn_file_actions_addclosefrom_np(void *actions, int from);

#endif
