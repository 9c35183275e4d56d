// BinaryDataset, the batch source of the window and vector models (canary/train/trainer.hpp):
// whole samples only, sub-ranges, rows gathered in the order asked, labels only when it has them.
#include <gtest/gtest.h>

#include <span>
#include <vector>

#include "canary/canary.hpp"

using namespace canary;

TEST(BinaryDataset, ViewsWholeSamplesAndGathersRows) {
    const std::vector<float> x = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, y = {0, 1, 1};
    EXPECT_THROW(BinaryDataset<float>(std::span<const float>(x).first(11), y, Shape{2, 2}), shape_error);
    EXPECT_THROW(BinaryDataset<float>(x, std::span<const float>(y).first(2), Shape{2, 2}), shape_error);
    const BinaryDataset<float> d(x, y, Shape{2, 2});
    ASSERT_EQ(d.size(), 3);
    const BinaryDataset<float> tail = d.rows(1, 2);
    ASSERT_EQ(tail.size(), 2);
    EXPECT_EQ(tail.x()[0], 4.0f);
    EXPECT_EQ(tail.y()[1], 1.0f);

    Tape<float> tape(false);
    const std::vector<canary::index> rows = {2, 0};
    const auto batch = d.batch(rows);
    const Var<float> in = batch.input(tape);
    EXPECT_EQ(in.shape, (Shape{2, 2, 2}));
    EXPECT_EQ(in.val[0], 8.0f);  // row 2 first
    EXPECT_EQ(in.val[4], 0.0f);
    const Var<float> labels = batch.labels(tape);
    EXPECT_EQ(labels.val[0], 1.0f);
    EXPECT_EQ(labels.val[1], 0.0f);
    const BinaryDataset<float> unlabelled(x, {}, Shape{4});
    EXPECT_THROW(unlabelled.batch(rows).labels(tape), config_error);
}
