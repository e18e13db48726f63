import COpenBLAS

/// OpenBLAS's own thread pool. OpenBLAS reads `OPENBLAS_NUM_THREADS` once, when the library is
/// loaded — before `main` runs — so setting the variable from inside the process changes nothing;
/// the count must be set through the library.
public enum BLASThreads {
    /// Threads OpenBLAS uses per call.
    public static var count: Int { Int(openblas_get_num_threads()) }

    /// Makes every BLAS/LAPACK call run on the calling thread alone. The daemon parallelises over
    /// windows and the benchmarks time one thread; a BLAS pool on top would oversubscribe the cores
    /// (and its idle workers spin in `sched_yield`).
    public static func useCallingThreadOnly() {
        openblas_set_num_threads(1)
    }
}
