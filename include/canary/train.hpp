#pragma once
// Losses, optimizers, gradient clipping and numeric guards.
#include "canary/train/guards.hpp"
#include "canary/train/losses.hpp"
#include "canary/train/optimizers.hpp"
#include "canary/train/trainer.hpp"
