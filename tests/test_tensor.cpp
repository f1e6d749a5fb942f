// Tensor: creation, views, copies, broadcasting arithmetic, reductions, random fills, printing.
#include <gtest/gtest.h>

#include "strata/tensor/math.h"
#include "strata/tensor/random.h"

using namespace strata;

namespace {
Tensor iota(const Shape& shape) { return Tensor::arange(shape_numel(shape)).reshape(shape); }
}  // namespace

TEST(Tensor, CreationAndProperties) {
  Tensor z = Tensor::zeros({2, 3});
  EXPECT_EQ(z.shape(), Shape({2, 3}));
  EXPECT_EQ(z.strides(), Shape({3, 1}));
  EXPECT_EQ(z.numel(), 6);
  EXPECT_EQ(z.dtype(), DType::f32);
  EXPECT_TRUE(z.is_contiguous());
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(z.raw_data()) % Storage::kAlignment, 0u);
  EXPECT_DOUBLE_EQ(Tensor::full({2}, 3.5).at({1}), 3.5);
  EXPECT_EQ(Tensor::ones({3}, DType::i64).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 1, 1}));
  EXPECT_DOUBLE_EQ(Tensor::scalar(2.0).item(), 2.0);
  EXPECT_FALSE(Tensor().defined());
}

TEST(Tensor, ReshapeIsAViewWhenContiguous) {
  Tensor a = iota({2, 6});
  Tensor b = a.reshape({3, -1});
  EXPECT_EQ(b.shape(), Shape({3, 4}));
  EXPECT_TRUE(b.shares_storage_with(a));
  b.fill_(7);
  EXPECT_DOUBLE_EQ(a.at({1, 5}), 7);
  EXPECT_THROW(a.reshape({5, -1}), Error);
}

TEST(Tensor, PermuteTransposeSliceSelectExpand) {
  Tensor a = iota({2, 3, 4});
  Tensor p = a.permute({2, 0, 1});
  EXPECT_EQ(p.shape(), Shape({4, 2, 3}));
  EXPECT_DOUBLE_EQ(p.at({3, 1, 2}), a.at({1, 2, 3}));
  EXPECT_FALSE(p.is_contiguous());
  EXPECT_TRUE(p.contiguous().is_contiguous());
  EXPECT_DOUBLE_EQ(p.contiguous().at({3, 1, 2}), 23);

  Tensor t = a.transpose(0, 2);
  EXPECT_EQ(t.shape(), Shape({4, 3, 2}));
  EXPECT_DOUBLE_EQ(t.at({1, 2, 1}), a.at({1, 2, 1}));

  Tensor s = a.slice(2, 1, 4, 2);  // columns 1 and 3
  EXPECT_EQ(s.shape(), Shape({2, 3, 2}));
  EXPECT_DOUBLE_EQ(s.at({1, 1, 1}), a.at({1, 1, 3}));
  EXPECT_TRUE(s.shares_storage_with(a));
  EXPECT_EQ(a.slice(0, -1, 100).shape(), Shape({1, 3, 4}));

  EXPECT_EQ(a.select(1, 2).shape(), Shape({2, 4}));
  EXPECT_DOUBLE_EQ(a.select(1, 2).at({1, 3}), a.at({1, 2, 3}));

  Tensor row = Tensor::from_vector<float>({1, 2, 3}, {1, 3});
  Tensor e = row.expand({4, 3});
  EXPECT_EQ(e.strides(), Shape({0, 1}));
  EXPECT_DOUBLE_EQ(e.at({3, 2}), 3);
  EXPECT_THROW(row.expand({4, 2}), Error);

  EXPECT_EQ(a.unsqueeze(1).shape(), Shape({2, 1, 3, 4}));
  EXPECT_EQ(a.unsqueeze(1).squeeze(1).shape(), Shape({2, 3, 4}));
  EXPECT_EQ(a.flatten(1).shape(), Shape({2, 12}));
}

TEST(Tensor, CopiesAreIndependent) {
  Tensor a = iota({2, 2});
  Tensor c = a.clone();
  c.fill_(0);
  EXPECT_DOUBLE_EQ(a.at({1, 1}), 3);
  Tensor d = a.to(DType::f64);
  EXPECT_EQ(d.dtype(), DType::f64);
  EXPECT_DOUBLE_EQ(d.at({1, 0}), 2);
  Tensor labels = Tensor::from_vector<double>({1.9, 2.0}, {2}).to(DType::i64);
  EXPECT_EQ(labels.to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 2}));
  // copy_ into a strided view writes through to the source
  Tensor big = Tensor::zeros({3, 4});
  big.slice(1, 1, 3).copy_(Tensor::ones({3, 2}));
  EXPECT_DOUBLE_EQ(sum(big).item(), 6);
  EXPECT_DOUBLE_EQ(big.at({2, 0}), 0);
}

TEST(Tensor, BroadcastingArithmetic) {
  Tensor a = iota({2, 3});                                   // [[0,1,2],[3,4,5]]
  Tensor b = Tensor::from_vector<float>({10, 20, 30}, {3});  // broadcast along rows
  Tensor c = Tensor::from_vector<float>({1, 2}, {2, 1});     // broadcast along columns
  EXPECT_EQ((a + b).to_vector<float>(), (std::vector<float>{10, 21, 32, 13, 24, 35}));
  EXPECT_EQ((a * c).to_vector<float>(), (std::vector<float>{0, 1, 2, 6, 8, 10}));
  EXPECT_EQ((a - c).to_vector<float>(), (std::vector<float>{-1, 0, 1, 1, 2, 3}));
  EXPECT_EQ((b / c).shape(), Shape({2, 3}));
  EXPECT_EQ((a * 2.0 + 1.0).to_vector<float>(), (std::vector<float>{1, 3, 5, 7, 9, 11}));
  EXPECT_EQ(maximum(a, Tensor::scalar(2.5)).to_vector<float>(), (std::vector<float>{2.5, 2.5, 2.5, 3, 4, 5}));
  // Non-contiguous operands
  EXPECT_EQ((a.t() + a.t()).to_vector<float>(), (std::vector<float>{0, 6, 2, 8, 4, 10}));
  EXPECT_THROW(a + Tensor::zeros({4}), Error);
  EXPECT_THROW(a + Tensor::zeros({3}, DType::f64), Error);
}

TEST(Tensor, Reductions) {
  Tensor a = iota({2, 3, 4});
  EXPECT_DOUBLE_EQ(sum(a).item(), 276);
  EXPECT_DOUBLE_EQ(mean(a).item(), 11.5);
  EXPECT_EQ(sum(a, {0, 2}).to_vector<float>(), (std::vector<float>{60, 92, 124}));
  EXPECT_EQ(sum(a, {1}, true).shape(), Shape({2, 1, 4}));
  EXPECT_EQ(max(a, {2}).to_vector<float>(), (std::vector<float>{3, 7, 11, 15, 19, 23}));
  EXPECT_EQ(min(a, {-1}).to_vector<float>(), (std::vector<float>{0, 4, 8, 12, 16, 20}));
  Tensor m = Tensor::from_vector<float>({1, 5, 5, 2, 9, 0}, {2, 3});
  EXPECT_EQ(argmax(m, 1).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 1}));  // first on ties
  EXPECT_EQ(argmax(m, 0).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 1, 0}));
  EXPECT_EQ(argmax(m, 1, true).shape(), Shape({2, 1}));
  EXPECT_EQ(sum_to(Tensor::ones({2, 3, 4}), {3, 1}).to_vector<float>(), (std::vector<float>{8, 8, 8}));
  EXPECT_THROW(sum(a, {3}), Error);
}

TEST(Tensor, SeededRandomFillsRepeat) {
  manual_seed(7);
  Tensor a = Tensor::normal({1000}, 0, 1);
  Tensor u = Tensor::uniform({1000}, -2, 3);
  manual_seed(7);
  Tensor b = Tensor::normal({1000}, 0, 1);
  EXPECT_EQ(a.to_vector<float>(), b.to_vector<float>());
  EXPECT_NEAR(mean(a).item(), 0.0, 0.1);
  EXPECT_NEAR(mean(square(a)).item(), 1.0, 0.15);
  EXPECT_GE(min(u).item(), -2);
  EXPECT_LT(max(u).item(), 3);
  Generator g(1), h(1);
  EXPECT_EQ(Tensor::uniform({5}, 0, 1, DType::f64, &g).to_vector<double>(),
            Tensor::uniform({5}, 0, 1, DType::f64, &h).to_vector<double>());
}

TEST(Tensor, ReadablePrinting) {
  EXPECT_EQ(iota({2, 2}).to_string(), "tensor([[0.0000, 1.0000],\n        [2.0000, 3.0000]], shape=[2,2], dtype=f32)");
  EXPECT_EQ(Tensor::arange(3, DType::i64).to_string(), "tensor([0, 1, 2], shape=[3], dtype=i64)");
  const std::string longer = Tensor::arange(20).to_string();
  EXPECT_NE(longer.find("..."), std::string::npos);
  EXPECT_NE(longer.find("19.0000"), std::string::npos);
  EXPECT_EQ(longer.find("10.0000"), std::string::npos);
}

TEST(Tensor, DtypeMismatchNamesBoth) {
  Tensor a = Tensor::zeros({2});
  try {
    (void)a.data<double>();
    FAIL() << "expected an exception";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected dtype f64 but tensor has f32"), std::string::npos) << e.what();
  }
}
