#ifndef TWINWATCH_COPENBLAS_SHIM_H
#define TWINWATCH_COPENBLAS_SHIM_H
#include <cblas.h>

/* OpenBLAS exports LAPACK with the Fortran ABI; declare the prototypes we call
   (all arguments by pointer, column-major). */
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork, int *info);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info);
#endif
