#ifndef GENIE_CMPI_SHIM_H
#define GENIE_CMPI_SHIM_H
// Open MPI as Debian installs it (libopenmpi-dev), by its multiarch path as CBLAS does.
#include <x86_64-linux-gnu/mpi/mpi.h>

// Open MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, ...) are macros that take the address of a
// global: Swift cannot import them, so they come through functions.
static inline MPI_Comm genie_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype genie_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype genie_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype genie_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op genie_mpi_sum(void) { return MPI_SUM; }
static inline MPI_Op genie_mpi_max(void) { return MPI_MAX; }
static inline void *genie_mpi_in_place(void) { return MPI_IN_PLACE; }
#endif
