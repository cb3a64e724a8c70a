# Toolchain for the wasm32-wasip1 build (`make wasm` -> build-wasm/anyinfer.wasm): Debian's clang-22,
# lld-22 (wasm-ld), libclang-rt-22-dev-wasm32 (builtins) and wasi-libc, SIMD128 on, no threads.
#   cmake -S . -B build-wasm -DCMAKE_TOOLCHAIN_FILE=cmake/wasm32-wasip1.cmake
# WASM_LLVM overrides the LLVM folder (default /usr/lib/llvm-22). Executables are .wasm command
# modules (WASI preview1); tests run through web/bin/anyinfer-wasm.mjs under Node's WASI.
set(CMAKE_SYSTEM_NAME WASI)
list(APPEND CMAKE_MODULE_PATH ${CMAKE_CURRENT_LIST_DIR}) # Platform/WASI.cmake
set(CMAKE_SYSTEM_PROCESSOR wasm32)
set(WASI TRUE)

if(DEFINED ENV{WASM_LLVM})
  set(AI_WASM_LLVM $ENV{WASM_LLVM})
else()
  set(AI_WASM_LLVM /usr/lib/llvm-22)
endif()
set(CMAKE_C_COMPILER ${AI_WASM_LLVM}/bin/clang)
set(CMAKE_C_COMPILER_TARGET wasm32-wasip1)
set(CMAKE_AR ${AI_WASM_LLVM}/bin/llvm-ar CACHE FILEPATH "")
set(CMAKE_RANLIB ${AI_WASM_LLVM}/bin/llvm-ranlib CACHE FILEPATH "")

# clang looks for wasm32-wasip1 headers and libraries under <sysroot>/{include,lib}/wasm32-wasip1;
# Debian installs wasi-libc under the older triple's name (wasm32-wasi), so a sysroot of two links
# in the build folder bridges them (a sysroot of /usr would let glibc's headers in).
set(AI_WASI_INCLUDE /usr/include/wasm32-wasi)
set(AI_WASI_LIB /usr/lib/wasm32-wasi)
if(NOT EXISTS ${AI_WASI_INCLUDE}/stdio.h OR NOT EXISTS ${AI_WASI_LIB}/libc.a)
  message(FATAL_ERROR "wasm build: wasi-libc is missing (Debian: apt-get install wasi-libc)")
endif()
set(AI_WASI_SYSROOT ${CMAKE_BINARY_DIR}/wasi-sysroot)
file(MAKE_DIRECTORY ${AI_WASI_SYSROOT}/include ${AI_WASI_SYSROOT}/lib)
file(CREATE_LINK ${AI_WASI_INCLUDE} ${AI_WASI_SYSROOT}/include/wasm32-wasip1 SYMBOLIC)
file(CREATE_LINK ${AI_WASI_LIB} ${AI_WASI_SYSROOT}/lib/wasm32-wasip1 SYMBOLIC)
set(CMAKE_SYSROOT ${AI_WASI_SYSROOT})

set(CMAKE_C_FLAGS_INIT "-msimd128")
# 1 MiB of stack (wasm-ld's default is 64 KiB); memory grows on demand up to wasm32's 4 GiB.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-z,stack-size=1048576 -Wl,--max-memory=4294967296")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Tests (add_test) run under Node's WASI with the working directory preopened.
find_program(AI_WASM_NODE node)
if(AI_WASM_NODE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${AI_WASM_NODE};${CMAKE_CURRENT_LIST_DIR}/../web/bin/anyinfer-wasm.mjs;--module)
endif()
