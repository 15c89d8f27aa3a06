import AsyncRTC

print("AsyncRTC demo: nothing here yet")
