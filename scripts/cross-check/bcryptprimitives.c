/* A stand-in for Windows' bcryptprimitives.dll, for wine 8.0 only (scripts/cross-check.sh).
 *
 * Rust's std on Windows asks ProcessPrng, in bcryptprimitives.dll, for the random keys of its
 * hash maps. Windows 10 and later have it; wine added it in 8.13, and Debian 12's wine is 8.0,
 * where every program built by a current Rust exits at once with status 53, printing nothing.
 * Placed beside the programs the script runs under wine, this DLL answers ProcessPrng with
 * RtlGenRandom (SystemFunction036 in advapi32), which wine 8.0 has. It is for wine alone: the
 * programs are built as for real Windows, and nothing ships it.
 *
 * Why a stand-in, and not the other way out, the x86_64-win7-windows-gnu target (whose std does
 * not call ProcessPrng): that would build and run a std other than the one a Windows learner
 * gets from `rustup target add x86_64-pc-windows-gnu`, and test that instead of ours.
 *
 *     x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom */

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) { /* RtlGenRandom takes a ULONG: a 64-bit SIZE_T goes in pieces */
        ULONG piece = length > 0x10000 ? 0x10000 : (ULONG) length;
        if (!SystemFunction036(data, piece)) {
            return FALSE;
        }
        data += piece;
        length -= piece;
    }
    return TRUE;
}
