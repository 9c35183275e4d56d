#pragma once
// canary::DefaultCpu: the CPU policy that Model<Net>, Tape<T> and Stream<Net> use when no backend
// is named. It is CpuOneDnn (float GEMMs by oneDNN's dnnl_sgemm) when CANARY_HAVE_ONEDNN is defined
// to 1, else Cpu (Eigen only, no dependency beyond the headers).
//
// Who defines CANARY_HAVE_ONEDNN: the CMake target canary::canary does, whenever the build (or
// find_package(canary)) found oneDNN (Debian libdnnl-dev); it then also links libdnnl and libgomp.
// A header-only user without CMake gets Cpu unless they pass -DCANARY_HAVE_ONEDNN=1 and link
// `-ldnnl -lgomp` themselves (pkg-config: canary-onednn instead of canary).
//
// Why a definition on the target and not a per-file choice: the default template argument is part
// of what Model<Net> means. If two translation units of one program disagreed, an inline function
// of the user's taking Model<Net>& would name different types in each (an ODR violation that no
// linker reports). Setting the definition on the target that every translation unit links keeps
// them in agreement; naming the backend explicitly (Model<Net, float, Cpu>) is always possible and
// always means the same thing.
#include "canary/backend/cpu.hpp"

#if defined(CANARY_HAVE_ONEDNN) && CANARY_HAVE_ONEDNN
#include "canary/backend/onednn.hpp"
#endif

namespace canary {

#if defined(CANARY_HAVE_ONEDNN) && CANARY_HAVE_ONEDNN
/// The default CPU policy of this build: Eigen for everything but large float GEMMs (oneDNN).
using DefaultCpu = CpuOneDnn;
#else
/// The default CPU policy of this build: Eigen only.
using DefaultCpu = Cpu;
#endif

}  // namespace canary
