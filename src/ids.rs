//! Discord ids as distinct types at the store and domain boundary, so a guild id cannot be
//! passed where a user id belongs. Each is a snowflake (`u64`, always below 2^63), stored as
//! BIGINT on both backends (the `i64` with the same bits). The Discord layer converts from and
//! to serenity's ids with `From`.

use poise::serenity_prelude as serenity;
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Database, Decode, Encode, Type};
use std::fmt;

macro_rules! discord_id {
    ($(#[$doc:meta])* $name:ident, $serenity:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub u64);

        impl $name {
            pub const fn new(id: u64) -> Self {
                Self(id)
            }
            pub const fn get(self) -> u64 {
                self.0
            }
            /// The stored form: the same 64 bits as a signed BIGINT.
            pub const fn to_db(self) -> i64 {
                self.0 as i64
            }
            pub const fn from_db(v: i64) -> Self {
                Self(v as u64)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }

        impl From<serenity::$serenity> for $name {
            fn from(id: serenity::$serenity) -> Self {
                Self(id.get())
            }
        }

        impl From<$name> for serenity::$serenity {
            fn from(id: $name) -> Self {
                serenity::$serenity::new(id.0)
            }
        }

        impl From<$name> for u64 {
            fn from(id: $name) -> u64 {
                id.0
            }
        }

        impl<DB: Database> Type<DB> for $name
        where
            i64: Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <i64 as Type<DB>>::type_info()
            }
            fn compatible(ty: &DB::TypeInfo) -> bool {
                <i64 as Type<DB>>::compatible(ty)
            }
        }

        impl<'q, DB: Database> Encode<'q, DB> for $name
        where
            i64: Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as Database>::ArgumentBuffer,
            ) -> Result<IsNull, BoxDynError> {
                <i64 as Encode<'q, DB>>::encode_by_ref(&self.to_db(), buf)
            }
        }

        impl<'r, DB: Database> Decode<'r, DB> for $name
        where
            i64: Decode<'r, DB>,
        {
            fn decode(value: <DB as Database>::ValueRef<'r>) -> Result<Self, BoxDynError> {
                Ok(Self::from_db(<i64 as Decode<'r, DB>>::decode(value)?))
            }
        }
    };
}

discord_id!(
    /// A Discord server.
    GuildId,
    GuildId
);
discord_id!(
    /// A Discord member or bot.
    UserId,
    UserId
);
discord_id!(
    /// A text, voice or stage channel.
    ChannelId,
    ChannelId
);
discord_id!(
    /// A role of a guild.
    RoleId,
    RoleId
);
discord_id!(
    /// A message.
    MessageId,
    MessageId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_keep_their_bits_through_the_stored_form() {
        for v in [0u64, 1, 1 << 22, (1 << 63) - 1, u64::MAX] {
            assert_eq!(GuildId::from_db(GuildId(v).to_db()), GuildId(v));
        }
        let s: serenity::UserId = UserId(42).into();
        assert_eq!(UserId::from(s), UserId(42));
        assert_eq!(UserId(7).to_string(), "7");
        assert_eq!(format!("{:?}", RoleId(7)), "RoleId(7)");
        assert_eq!(serde_json::to_string(&ChannelId(9)).unwrap(), "9");
    }
}
