//! The `Word` trait: types that [`WordMap`](crate::WordMap) stores inline, as one
//! 64-bit word each.

use std::hash::Hash;

/// A type that fits in a 64-bit word, for [`WordMap`](crate::WordMap) keys and values.
///
/// `to_word` must be injective (two unequal values give two different words) and
/// `from_word(to_word(x)) == x`; `from_word` is only ever given words that `to_word`
/// made. Every `u64` is a valid word: there are no reserved values, so `0` and
/// `u64::MAX` work like any other. Implemented for every primitive integer up to 64
/// bits, `usize`/`isize` (on targets where they fit), `char` and `bool`.
///
/// A wrong implementation gives wrong answers (keys that compare equal as words are
/// the same key to the map), never undefined behaviour.
///
/// # Examples
///
/// ```
/// use splitmap::{Word, WordMap};
///
/// #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
/// struct UserId(u32);
///
/// impl Word for UserId {
///     fn to_word(self) -> u64 {
///         u64::from(self.0)
///     }
///     fn from_word(word: u64) -> Self {
///         UserId(word as u32)
///     }
/// }
///
/// let sessions: WordMap<UserId, u64> = WordMap::new();
/// sessions.insert(UserId(7), 1_700_000_000);
/// assert_eq!(sessions.get(&UserId(7)), Some(1_700_000_000));
/// ```
pub trait Word: Copy + Eq + Hash {
    /// This value as a word.
    ///
    /// ```
    /// use splitmap::Word;
    /// assert_eq!('a'.to_word(), 97);
    /// assert_eq!((-1i8).to_word(), u64::MAX); // sign-extended through i64
    /// ```
    fn to_word(self) -> u64;
    /// The value that `to_word` turned into `word`.
    ///
    /// ```
    /// use splitmap::Word;
    /// assert_eq!(char::from_word('a'.to_word()), 'a');
    /// assert_eq!(i8::from_word((-1i8).to_word()), -1);
    /// ```
    fn from_word(word: u64) -> Self;
}

/// An integer [`Word`] that [`WordMap::fetch_add`](crate::WordMap::fetch_add) and
/// [`fetch_sub`](crate::WordMap::fetch_sub) can count with, wrapping on overflow as
/// the atomics' `fetch_add` does. Implemented for every primitive integer up to 64
/// bits.
///
/// ```
/// use splitmap::{IntWord, WordMap};
///
/// fn bump<K: splitmap::Word, V: IntWord>(map: &WordMap<K, V>, key: K, by: V) -> V {
///     map.fetch_add(key, by)
/// }
/// let hits: WordMap<u32, u8> = WordMap::new();
/// assert_eq!(bump(&hits, 1, 200), 0);
/// assert_eq!(bump(&hits, 1, 100), 200);
/// assert_eq!(hits.get(&1), Some(44), "wrapped at 256");
/// ```
pub trait IntWord: Word {
    /// The zero a missing key counts from.
    const ZERO: Self;
    /// `self + rhs`, wrapping.
    ///
    /// ```
    /// use splitmap::IntWord;
    /// assert_eq!(IntWord::wrapping_add(250u8, 10), 4);
    /// ```
    fn wrapping_add(self, rhs: Self) -> Self;
    /// `self - rhs`, wrapping.
    ///
    /// ```
    /// use splitmap::IntWord;
    /// assert_eq!(IntWord::wrapping_sub(0u8, 1), 255);
    /// ```
    fn wrapping_sub(self, rhs: Self) -> Self;
}

/// `Word` and `IntWord` for integers: through `u64` for unsigned types, through `i64`
/// for signed ones (sign extension, so -1 is `u64::MAX` and comes back as -1).
macro_rules! int_word {
    ($($t:ty => $via:ty),* $(,)?) => {$(
        impl Word for $t {
            #[inline]
            fn to_word(self) -> u64 {
                self as $via as u64
            }
            #[inline]
            fn from_word(word: u64) -> Self {
                word as $via as $t
            }
        }
        impl IntWord for $t {
            const ZERO: Self = 0;
            #[inline]
            fn wrapping_add(self, rhs: Self) -> Self {
                <$t>::wrapping_add(self, rhs)
            }
            #[inline]
            fn wrapping_sub(self, rhs: Self) -> Self {
                <$t>::wrapping_sub(self, rhs)
            }
        }
    )*};
}

int_word!(u8 => u64, u16 => u64, u32 => u64, u64 => u64);
int_word!(i8 => i64, i16 => i64, i32 => i64, i64 => i64);
#[cfg(any(
    target_pointer_width = "16",
    target_pointer_width = "32",
    target_pointer_width = "64"
))]
int_word!(usize => u64, isize => i64);

impl Word for char {
    #[inline]
    fn to_word(self) -> u64 {
        u64::from(u32::from(self))
    }
    #[inline]
    fn from_word(word: u64) -> Self {
        // Only words made by `to_word` come back, and those are valid chars.
        char::from_u32(word as u32).unwrap_or(char::REPLACEMENT_CHARACTER)
    }
}

impl Word for bool {
    #[inline]
    fn to_word(self) -> u64 {
        u64::from(self)
    }
    #[inline]
    fn from_word(word: u64) -> Self {
        word != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip<T: Word + std::fmt::Debug>(values: &[T]) {
        for &v in values {
            assert_eq!(T::from_word(v.to_word()), v);
        }
        let mut words: Vec<u64> = values.iter().map(|v| v.to_word()).collect();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), values.len(), "to_word is injective");
    }

    #[test]
    fn edge_values_round_trip() {
        round_trip(&[0u64, 1, u64::MAX, 1 << 63]);
        round_trip(&[0i64, -1, i64::MIN, i64::MAX]);
        round_trip(&[0i8, -1, i8::MIN, i8::MAX]);
        round_trip(&[0u8, 255]);
        round_trip(&[0usize, usize::MAX]);
        round_trip(&[isize::MIN, -1isize, 0, isize::MAX]);
        round_trip(&['\0', 'a', char::MAX, '\u{d7ff}', '\u{e000}']);
        round_trip(&[false, true]);
    }
}
