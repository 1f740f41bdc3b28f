#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "engine/message/kafka_record.h"

namespace flowbridge {

/// The headers of an outbound Kafka record: (name, value) views in a contiguous array that keeps
/// its capacity across reuse of the record slot. Translation reserves room for a message's
/// headers once (`ensure`), then appends without a capacity check per header (`append`), which
/// is what makes header translation a few cycles per header. The vector-like part of the API
/// (push_back, resize down, iteration) serves everything else.
///
/// Owned with its record by one thread at a time.
class header_list {
public:
    explicit header_list(std::size_t capacity = 0) { grow(capacity); }
    /// Copies the views (not the bytes they point to); tests and slow paths only.
    header_list(const header_list& other) { *this = other; }
    header_list& operator=(const header_list& other) {
        if (this != &other) {
            size_ = 0;
            ensure(other.size_);
            for (const kafka_header& h : other) data_[size_++] = h;
        }
        return *this;
    }
    header_list(header_list&&) noexcept = default;
    header_list& operator=(header_list&&) noexcept = default;

    /// Makes room for `n` headers in total. Allocates only when `n` exceeds every earlier size.
    void ensure(std::size_t n) {
        if (n > capacity_) grow(n);
    }
    /// Appends within the room made by ensure(). Precondition: size() < capacity().
    void append(std::string_view name, std::string_view value) noexcept {
        data_[size_++] = kafka_header{name, value};
    }
    void push_back(const kafka_header& h) {
        if (size_ == capacity_) grow(capacity_ == 0 ? 8 : capacity_ * 2);
        data_[size_++] = h;
    }
    /// Shrinks to `n` headers (n ≤ size()).
    void resize(std::size_t n) noexcept {
        if (n < size_) size_ = n;
    }
    void clear() noexcept { size_ = 0; }

    std::size_t size() const noexcept { return size_; }
    std::size_t capacity() const noexcept { return capacity_; }
    bool empty() const noexcept { return size_ == 0; }
    kafka_header* data() noexcept { return data_.get(); }
    const kafka_header* data() const noexcept { return data_.get(); }
    kafka_header& operator[](std::size_t i) noexcept { return data_[i]; }
    const kafka_header& operator[](std::size_t i) const noexcept { return data_[i]; }
    const kafka_header& back() const noexcept { return data_[size_ - 1]; }
    kafka_header* begin() noexcept { return data_.get(); }
    kafka_header* end() noexcept { return data_.get() + size_; }
    const kafka_header* begin() const noexcept { return data_.get(); }
    const kafka_header* end() const noexcept { return data_.get() + size_; }
    operator std::span<const kafka_header>() const noexcept { return {data_.get(), size_}; }

private:
    void grow(std::size_t n) {
        if (n == 0) return;
        auto bigger = std::make_unique_for_overwrite<kafka_header[]>(n);
        for (std::size_t i = 0; i < size_; ++i) bigger[i] = data_[i];
        data_ = std::move(bigger);
        capacity_ = n;
    }

    std::unique_ptr<kafka_header[]> data_;
    std::size_t size_ = 0;
    std::size_t capacity_ = 0;
};

}  // namespace flowbridge
