import CShims
import ColdChain
import Control
import Glibc
import POSIX

/// The poll loop: accepts, reads, writes, and holds every connection to the limits. Runs on the server's thread.
extension ControlServer {
    func loop() {
        var clients: [Int: ControlClientState] = [:]
        var nextID = 1
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !stopFlag.withLock({ $0 }) {
            var pfds = [pollfd(fd: listener.rawValue, events: Int16(POLLIN), revents: 0),
                        pollfd(fd: wakeUp.readEnd, events: Int16(POLLIN), revents: 0)]
            let ids = Array(clients.keys)
            for id in ids {
                guard let c = clients[id] else { continue }
                var ev = Int16(0)
                // Backpressure: a connection is read only while its queue and its unsent replies are small.
                if c.wantsInput(limits) { ev |= Int16(POLLIN) }
                if !c.output.isEmpty { ev |= Int16(POLLOUT) }
                pfds.append(pollfd(fd: c.fd.rawValue, events: ev, revents: 0))
            }
            // A timeout, so idle and stuck connections are noticed even when nothing happens.
            do { _ = try pollDescriptors(&pfds, timeoutMillis: 1000) } catch {
                log.error("control socket: \(error)")
                break
            }
            let now = monotonicSeconds()
            if pfds[1].revents != 0 {
                wakeUp.drain()
                let items = inbox.withLock { i -> [(Int, Outgoing)] in defer { i.removeAll() }; return i }
                for (id, what) in items {
                    guard let c = clients[id] else { continue }
                    switch what {
                    case .line(let l): c.append(l, now: now)
                    case .done: c.busy = false; dispatchNext(c, id: id)
                    }
                }
            }
            if pfds[0].revents & Int16(POLLIN) != 0 {
                acceptAll(into: &clients, nextID: &nextID, now: now)
            }
            for (k, id) in ids.enumerated() {
                guard let c = clients[id], k + 2 < pfds.count else { continue }
                let re = pfds[k + 2].revents
                if re & Int16(POLLIN | POLLHUP | POLLERR) != 0 && !c.eof && pfds[k + 2].events & Int16(POLLIN) != 0 {
                    do {
                        switch try buffer.withUnsafeMutableBytes({ try c.fd.readAvailable(into: $0) }) {
                        case .bytes(let got):
                            c.lastActivity = now
                            c.queued += buffer.withUnsafeBytes { c.input.append(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
                            dispatchNext(c, id: id)
                        case .endOfStream: c.eof = true  // half-closed: answer what was asked, then close
                        case .wouldBlock: break
                        }
                    } catch {
                        c.failed = true
                    }
                } else if re & Int16(POLLERR) != 0 {
                    c.failed = true
                }
                if !c.output.isEmpty && re & Int16(POLLOUT | POLLERR | POLLHUP) != 0 {
                    flush(c, now: now)
                    dispatchNext(c, id: id)  // the client took some replies: queued requests may go on
                }
            }
            if closeFinishedAndStuck(&clients, now: now) {
                // glibc keeps the freed buffers of a big reply in its arenas; give them back once the connection is gone.
                _ = cc_malloc_trim()
            }
        }
        for (id, c) in clients { c.fd.close(); closed(id) }
        loopEnded()
    }

    /// Closes connections that are done, stuck or idle past the limits; true when one of them held large buffers.
    func closeFinishedAndStuck(_ clients: inout [Int: ControlClientState], now: Double) -> Bool {
        var trim = false
        for (id, c) in clients {
            var why: String?
            if c.output.count > limits.maxPendingOutput {
                why = "it stopped reading its replies (\(c.output.count) bytes unsent)"
            } else if let since = c.stalledSince, now - since > limits.stuckTimeout {
                why = "it has read nothing of what waits for it (\(c.output.count) bytes) for \(DurationText.describe(now - since))"
            } else if c.idle && !c.finished && now - c.lastActivity > limits.idleTimeout {
                log.info("control socket: closing an idle connection (pid \(c.peer.pid), uid \(c.peer.uid)) after \(DurationText.describe(limits.idleTimeout))")
                why = ""
            }
            guard c.finished || why != nil else { continue }
            if let why, !why.isEmpty { log.warning("control socket: dropping client pid \(c.peer.pid) (uid \(c.peer.uid)): \(why)") }
            if c.peakOutput > 1 << 20 || c.input.capacity > 1 << 20 { trim = true }
            c.fd.close()
            clients[id] = nil
            closed(id)
        }
        return trim
    }

    func closed(_ id: Int) {
        let connection = openClients.withLock { $0.removeValue(forKey: id) }
        connection?.markClosed()
        connection?.onClose.withLock { $0 }?()
    }

    /// Tells a newcomer why it cannot stay, best effort (it may not read), and closes it.
    func refuse(_ fd: FileDescriptor, _ message: String) {
        let reply = ControlReply.failure(ControlFailure(.unavailable, message)).line
        _ = try? reply.utf8CString.withUnsafeBytes { try fd.sendAvailable(UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
        fd.close()
    }

    func acceptAll(into clients: inout [Int: ControlClientState], nextID: inout Int, now: Double) {
        while true {
            let accepted: FileDescriptor?
            do { accepted = try listener.acceptNonBlocking() } catch {
                log.warning("control socket: \(error)")
                return
            }
            guard let owned = accepted else { return }
            let cred = (try? UnixSocket.peerCredentials(owned)) ?? (pid: -1, uid: UInt32.max, gid: UInt32.max)
            let mine = clients.values.filter { $0.peer.uid == cred.uid }.count
            guard mine < limits.maxClientsPerUID else {
                refuse(owned, "too many control connections from uid \(cred.uid) (\(mine), at most \(limits.maxClientsPerUID)); close some and try again")
                continue
            }
            if clients.count >= limits.maxClients {
                // Full: the connection idle longest makes room; a slot held by an active client is never taken.
                if let (oldID, old) = clients.filter({ $0.value.idle }).min(by: { $0.value.lastActivity < $1.value.lastActivity }) {
                    log.info("control socket: all \(limits.maxClients) connections in use; closing the one idle longest (pid \(old.peer.pid), uid \(old.peer.uid))")
                    old.fd.close()
                    clients[oldID] = nil
                    closed(oldID)
                } else {
                    refuse(owned, "too many control connections (\(limits.maxClients) busy); try again shortly")
                    continue
                }
            }
            let connection = ControlConnection(id: nextID, server: self)
            clients[nextID] = ControlClientState(fd: owned, peer: PeerInfo(pid: cred.pid, uid: cred.uid, gid: cred.gid), connection: connection, now: now)
            openClients.withLock { $0[nextID] = connection }
            nextID += 1
        }
    }

    func flush(_ c: ControlClientState, now: Double) {
        do {
            guard case .bytes(let written) = try c.output.withUnsafeBytes({ try c.fd.sendAvailable($0) }) else { return }
            c.output.removeFirst(written)
            c.connection.wrote(written, highWater: limits.outputHighWater)
            c.lastActivity = now
            c.stalledSince = c.output.isEmpty ? nil : now
            // An emptied buffer that once held a big reply is released rather than kept at its peak capacity.
            if c.output.isEmpty && c.output.capacity > limits.outputHighWater { c.output = [] }
        } catch {
            c.failed = true  // EPIPE, ECONNRESET: the client went away
        }
    }
}
